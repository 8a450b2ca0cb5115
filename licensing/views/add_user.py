"""Users > Active users > Add a user: basics, product licenses, optional settings, finish.

Each step is its own page (it works without JavaScript); answers wait in the session until Finish adding
creates the user and assigns the licenses in one service call.
"""
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.permissions import admin_required
from accounts.roles import Cap, Role
from core.validation import country_name

from .. import services
from ..forms import AssignLicensesStepForm, BasicsForm, OptionalSettingsForm
from ..selectors import product_lines
from .common import error_messages

SESSION_KEY = "licensing.add_user"
STEPS = [("basics", "Basics"), ("licenses", "Product licenses"), ("settings", "Optional settings"),
         ("finish", "Finish")]
STEP_NAMES = [name for name, _ in STEPS]


def _answers(request):
    return request.session.get(SESSION_KEY, {})


def _save(request, step, data):
    answers = _answers(request)
    answers[step] = data
    request.session[SESSION_KEY] = answers


def _form_for(request, step, data=None):
    answers = _answers(request).get(step)
    if step == "basics":
        return BasicsForm(data, initial=answers or {"auto_password": True})
    if step == "licenses":
        lines = product_lines(tenant=request.tenant, assignable_only=True)
        return AssignLicensesStepForm(data, lines=lines, initial=answers or {"usage_location": request.tenant.country})
    form = OptionalSettingsForm(data, initial=answers or {})
    if not request.user.can(Cap.SETTINGS_MANAGE):
        del form.fields["roles"]  # only Global admins give admin roles
    return form


def _steps(current):
    index = STEP_NAMES.index(current)
    return [{"name": name, "label": label, "state": "done" if i < index else "current" if i == index else ""}
            for i, (name, label) in enumerate(STEPS)]


@admin_required(Cap.USERS_MANAGE)
def add_user(request, step="basics"):
    if step not in STEP_NAMES:
        raise Http404("No such step.")
    if step != "basics" and "basics" not in _answers(request):
        return redirect("licensing:add_user")
    if step == "finish":
        return redirect("licensing:add_user_finish")
    form = _form_for(request, step, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if step == "basics" and data["auto_password"]:
            data["password"] = ""
        _save(request, step, data)
        following = STEP_NAMES[STEP_NAMES.index(step) + 1]
        if following == "finish":
            return redirect("licensing:add_user_finish")
        return redirect("licensing:add_user_step", step=following)
    context = {"form": form, "step": step, "steps": _steps(step), "tenant": request.tenant,
               "back": STEP_NAMES[STEP_NAMES.index(step) - 1] if step != "basics" else None}
    if step == "licenses":
        context["lines"] = product_lines(tenant=request.tenant, assignable_only=True)
    return render(request, "licensing/add_user.html", context)


def _review(request):
    answers = _answers(request)
    basics = answers["basics"]
    licenses = answers.get("licenses", {})
    settings = answers.get("settings", {})
    lines = {str(line.product.pk): line.product for line in product_lines(tenant=request.tenant)}
    return {
        "basics": basics,
        "upn": f"{basics['username']}@{request.tenant.initial_domain}".lower(),
        "location": country_name(licenses.get("usage_location", "")),
        "products": [lines[pid] for pid in licenses.get("products", []) if pid in lines],
        "roles": [Role(r).label for r in settings.get("roles", [])],
        "settings": settings,
    }


@admin_required(Cap.USERS_MANAGE)
def add_user_finish(request):
    """Finish: review the answers (GET), then Finish adding (POST) creates the user with the licenses."""
    answers = _answers(request)
    if "basics" not in answers:
        return redirect("licensing:add_user")
    review = _review(request)
    if request.method != "POST":
        return render(request, "licensing/add_user.html", {
            "step": "finish", "steps": _steps("finish"), "back": "settings", "tenant": request.tenant, **review})
    basics, licenses, settings = answers["basics"], answers.get("licenses", {}), answers.get("settings", {})
    password = basics["password"] or services.password_generate()
    profile = {name: settings.get(name, "") for name in ("job_title", "department", "office_location", "phone_number")}
    try:
        user = services.user_add(
            tenant=request.tenant, actor=request.user, upn=review["upn"], display_name=basics["display_name"],
            first_name=basics["first_name"], last_name=basics["last_name"], password=password,
            usage_location=licenses.get("usage_location", ""), products=review["products"],
            roles=settings.get("roles", []) if request.user.can(Cap.SETTINGS_MANAGE) else [], **profile)
    except ValidationError as exc:
        return render(request, "licensing/add_user.html", {
            "step": "finish", "steps": _steps("finish"), "back": "settings", "tenant": request.tenant,
            "errors": error_messages(exc), **review})
    del request.session[SESSION_KEY]
    return render(request, "licensing/add_user_done.html", {
        "person": user, "password": password if not basics["password"] else None,
        "products": review["products"], "list_url": reverse("licensing:active_users")})


@admin_required(Cap.USERS_MANAGE)
def add_user_cancel(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("licensing:active_users")
