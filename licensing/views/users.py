"""Users > Active users: the list, the user panel (Account, Licenses and apps), Manage product licenses."""
import csv
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.navigation import url_or_none
from accounts.permissions import admin_required
from accounts.roles import Cap
from accounts.services import user_reset_password as user_reset_password_service
from core.spreadsheets import safe_text
from core.validation import country_name

from .. import services
from ..forms import EditUserForm, ManageLicensesForm, UserLicensesForm
from ..models import AssignedPlan, LicenseAssignment, Product
from ..selectors import UNLICENSED, USER_SORTS, USER_VIEWS, active_users, license_names_by_user, product_lines
from .common import error_messages, panel_or_page
from .user_list import confirmation_text, list_extras, selection_carried, users_matching_filters

PAGE_SIZE = 100
USERS_CHANGED = "licensing-users-changed"  # htmx event: the users table reloads itself


def list_context(request):
    """What the Active users page shows for the current search, filter, sort and page."""
    tenant = request.tenant
    params = request.GET
    search, product = params.get("q", "").strip(), params.get("product", "")
    view = params.get("view", "all") if params.get("view") in USER_VIEWS else "all"
    sort = params.get("sort", "display_name") if params.get("sort") in USER_SORTS else "display_name"
    users = active_users(tenant=tenant, search=search, product=product, view=view, sort=sort)
    page = Paginator(users, PAGE_SIZE).get_page(params.get("page"))
    rows = list(page.object_list)
    names = license_names_by_user(user_ids=[u.pk for u in rows])
    products = list(Product.objects.filter(subscriptions__tenant=tenant).order_by("sort_order", "name"))
    list_url = reverse("licensing:active_users")
    kept = {key: params[key] for key in ("q", "product", "view", "sort", "page") if params.get(key)}
    sort_columns = []
    for key, label in (("display_name", "Display name"), ("upn", "Username")):
        aria = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        target = f"-{key}" if sort == key else key
        sort_columns.append({"label": label, "aria": aria,
                             "url": f"{list_url}?{urlencode({**kept, 'sort': target, 'page': 1})}"})
    return {
        "page": page,
        "sort_columns": sort_columns,
        "table_url": f"{list_url}?{urlencode(kept)}" if kept else list_url,
        "export_url": reverse("licensing:export_users") + (f"?{urlencode(kept)}" if kept else ""),
        "can_manage_users": request.user.can(Cap.USERS_MANAGE),
        "can_manage_licenses": request.user.can(Cap.LICENSES_MANAGE),
        "search": search, "product": product, "view": view, "sort": sort,
        "views": [(key, label) for key, (label, _) in USER_VIEWS.items()],
        "filter_products": products, "unlicensed": UNLICENSED,
        "list_url": list_url,
        **list_extras(request, rows=rows, names=names, page=page),
    }


@admin_required(Cap.USERS_READ)
def active_users_page(request):
    return render(request, "licensing/active_users.html", list_context(request))


EXPORT_HEADERS = ("Display name", "User principal name", "Licenses", "Usage location", "First name", "Last name",
                  "Job title", "Department", "Office", "Sign-in allowed")


@admin_required(Cap.USERS_READ)
def export_users(request):
    """Export users: the list as searched, filtered and sorted, every page of it, as a CSV (three queries)."""
    params = request.GET
    view = params.get("view", "all") if params.get("view") in USER_VIEWS else "all"
    sort = params.get("sort", "display_name") if params.get("sort") in USER_SORTS else "display_name"
    users = list(active_users(tenant=request.tenant, search=params.get("q", "").strip(), product=params.get("product", ""),
                              view=view, sort=sort))
    names = license_names_by_user(user_ids=[user.pk for user in users])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="users-{timezone.now():%Y-%m-%d}.csv"'
    response.write("\ufeff")  # Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEADERS)
    for user in users:
        writer.writerow([safe_text(value) for value in (
            user.display_name, user.upn, "+".join(names.get(user.pk, [])), user.usage_location, user.first_name,
            user.last_name, user.job_title, user.department, user.office_location,
            "Yes" if user.sign_in_allowed else "No")])
    return response


def _panel(request, template, context, status=200):
    return panel_or_page(request, template, context, list_context=list_context,
                         close_url=reverse("licensing:active_users"), status=status)


def _tenant_user(request, user_id):
    return get_object_or_404(User.objects.select_related("tenant"), pk=user_id, tenant=request.tenant,
                             deleted_at__isnull=True)


def _render_user_panel(request, user, *, tab, form=None, errors=(), status=200):
    context = {"person": user, "tab": tab, "errors": errors, "can_manage_users": request.user.can(Cap.USERS_MANAGE),
               # The license optimizer's what-if shows what the user's calls cost: for admins who read billing.
               "can_see_costs": request.user.can(Cap.BILLING_READ) and url_or_none("rating:license_optimizer") is not None}
    if tab == "licenses":
        context.update(_licenses_tab(request, user, form))
    else:
        context.update({
            "location_name": country_name(user.usage_location),
            "license_names": license_names_by_user(user_ids=[user.pk]).get(user.pk, []),
        })
    return _panel(request, "licensing/partials/user_panel.html", context, status=status)


def _licenses_tab(request, user, form):
    lines = product_lines(tenant=request.tenant, assignable_only=True, with_plans=True)
    plan_state = dict(((pid, name), enabled) for pid, name, enabled in AssignedPlan.objects.filter(user=user)
                      .values_list("assignment__product_id", "service_plan__name", "enabled"))
    if form is None:
        held = LicenseAssignment.objects.filter(user=user).values_list("product_id", flat=True)
        form = UserLicensesForm(lines=lines, initial={
            "usage_location": user.usage_location, "products": [str(pid) for pid in held]})
    checked = set(form["products"].value() or [])
    posted = request.POST if request.method == "POST" else None
    products = []
    for line in lines:
        pid = line.product.pk
        plans = [{
            "name": plan.name, "label": plan.friendly_name,
            "enabled": plan.name in posted.getlist(f"plans-{pid}") if posted is not None
            else plan_state.get((pid, plan.name), True),
        } for plan in line.product.service_plans.all()]
        products.append({"line": line, "checked": str(pid) in checked, "plans": plans})
    return {"form": form, "products": products, "can_manage_licenses": request.user.can(Cap.LICENSES_MANAGE)}


@admin_required(Cap.USERS_READ)
def user_panel(request, user_id):
    user = _tenant_user(request, user_id)
    tab = "licenses" if request.GET.get("tab") == "licenses" else "account"
    return _render_user_panel(request, user, tab=tab)


@admin_required(Cap.LICENSES_MANAGE)
@require_POST
def user_licenses_save(request, user_id):
    user = _tenant_user(request, user_id)
    lines = product_lines(tenant=request.tenant, assignable_only=True, with_plans=True)
    form = UserLicensesForm(request.POST, lines=lines)
    if not form.is_valid():
        return _render_user_panel(request, user, tab="licenses", form=form, errors=error_messages(form.errors))
    by_id = {str(line.product.pk): line.product for line in lines}
    products = [by_id[pid] for pid in form.cleaned_data["products"]]
    disabled = {p.pk: {plan.name for plan in p.service_plans.all()} - set(request.POST.getlist(f"plans-{p.pk}"))
                for p in products}
    try:
        services.user_licenses_set(user=user, actor=request.user, usage_location=form.cleaned_data["usage_location"],
                                   products=products, disabled_plans=disabled)
    except ValidationError as exc:
        return _render_user_panel(request, user, tab="licenses", form=form, errors=error_messages(exc))
    user.refresh_from_db()
    messages.success(request, f"Licenses and apps updated for {user.display_name}.")
    if not request.htmx:
        return redirect(f"{reverse('licensing:user_panel', args=[user.pk])}?tab=licenses")
    response = _render_user_panel(request, user, tab="licenses")
    response["HX-Trigger"] = USERS_CHANGED
    return response


@admin_required(Cap.USERS_MANAGE)
def user_edit(request, user_id):
    user = _tenant_user(request, user_id)
    fields = list(EditUserForm.base_fields)
    form = EditUserForm(request.POST or None, initial={name: getattr(user, name) for name in fields})
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=user, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:  # a privileged admin: only a Global admin may edit them
            response = _panel(request, "licensing/partials/user_edit_panel.html",
                              {"person": user, "form": form, "errors": [str(exc)]})
            response.status_code = 403
            return response
        except ValidationError as exc:
            errors = error_messages(exc)
            for field, field_errors in getattr(exc, "message_dict", {}).items():
                if field in form.fields:
                    form.add_error(field, field_errors)
        else:
            messages.success(request, f"Contact information saved for {user.display_name}.")
            if not request.htmx:
                return redirect("licensing:user_panel", user_id=user.pk)
            response = _render_user_panel(request, user, tab="account")
            response["HX-Trigger"] = USERS_CHANGED
            return response
    return _panel(request, "licensing/partials/user_edit_panel.html", {"person": user, "form": form, "errors": errors})


@admin_required(Cap.USERS_MANAGE)
def user_sign_in(request, user_id):
    user = _tenant_user(request, user_id)
    if request.method != "POST":
        return _panel(request, "licensing/partials/sign_in_panel.html", {"person": user})
    allowed = request.POST.get("block") != "on"
    try:
        services.user_profile_update(user=user, actor=request.user, sign_in_allowed=allowed)
    except PermissionDenied as exc:  # a privileged admin: only a Global admin may block them
        response = _panel(request, "licensing/partials/sign_in_panel.html", {"person": user, "errors": [str(exc)]})
        response.status_code = 403
        return response
    except ValidationError as exc:
        return _panel(request, "licensing/partials/sign_in_panel.html", {"person": user, "errors": error_messages(exc)})
    messages.success(request, f"{user.display_name} is {'allowed' if allowed else 'blocked from'} signing in.")
    if not request.htmx:
        return redirect("licensing:user_panel", user_id=user.pk)
    response = _render_user_panel(request, user, tab="account")
    response["HX-Trigger"] = USERS_CHANGED
    return response


@admin_required(Cap.USERS_MANAGE)
def user_reset_password(request, user_id):
    """Reset password: asks first; the new temporary password shows once, in the panel."""
    user = _tenant_user(request, user_id)
    context = {"person": user}
    if request.method == "POST":
        try:
            context["password"] = user_reset_password_service(user=user, actor=request.user)
        except ValidationError as exc:
            context["errors"] = error_messages(exc)
    return _panel(request, "licensing/partials/reset_password_panel.html", context,
                  status=400 if context.get("errors") else 200)


def _selected_users(request):
    params = request.POST if request.method == "POST" else request.GET
    if params.get("all") == "1":  # "Select all N users": every page of the list as searched and filtered
        return users_matching_filters(request, params)
    raw = params.getlist("user")
    ids = []
    for value in raw:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise Http404("Not a user id.") from None
    users = list(User.objects.filter(tenant=request.tenant, deleted_at__isnull=True, pk__in=ids).order_by("display_name"))
    if len(users) != len(set(ids)):
        raise Http404("One or more users are not in your organization.")
    return users


@admin_required(Cap.LICENSES_MANAGE)
def manage_licenses(request):
    users = _selected_users(request)
    lines = product_lines(tenant=request.tenant, assignable_only=True)
    form = ManageLicensesForm(request.POST or None, lines=lines)
    context = {"selected": users, "form": form, "lines": lines, "errors": [], **selection_carried(request)}
    if not users:
        context["errors"] = ["Select one or more users in the list first."]
    elif request.method == "POST" and form.is_valid() and form.cleaned_data["mode"] != "add" \
            and request.POST.get("confirmed") != "yes":
        # Replace and Unassign all take licenses away from every selected user: the panel asks first.
        by_id = {str(line.product.pk): line.product for line in lines}
        context["confirm"] = confirmation_text(mode=form.cleaned_data["mode"], users=users,
                                               products=[by_id[pid] for pid in form.cleaned_data["products"]])
    elif request.method == "POST" and form.is_valid():
        by_id = {str(line.product.pk): line.product for line in lines}
        products = [by_id[pid] for pid in form.cleaned_data["products"]]
        mode = form.cleaned_data["mode"]
        try:
            result = services.licenses_change(
                tenant=request.tenant, actor=request.user, users=users,
                add=products if mode != "remove_all" else (), remove_others=mode != "add")
        except ValidationError as exc:
            context["errors"] = error_messages(exc)
        else:
            message = (f"Licenses updated for {len(users)} user{'s' if len(users) != 1 else ''}: "
                       f"{result.assigned} assigned, {result.unassigned} unassigned.")
            if not request.htmx:
                messages.success(request, message)
                return redirect("licensing:active_users")
            context.update({"done": message, "lines": product_lines(tenant=request.tenant, assignable_only=True)})
            response = _panel(request, "licensing/partials/manage_licenses_panel.html", context)
            response["HX-Trigger"] = USERS_CHANGED
            return response
    elif request.method == "POST":
        context["errors"] = error_messages(form.errors)
    return _panel(request, "licensing/partials/manage_licenses_panel.html", context)
