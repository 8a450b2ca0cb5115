"""Calling policy pages: the tenant's policy (Billing > Calling policy) and a user's limit (Active users panel)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import admin_required
from accounts.roles import Cap
from licensing.views.common import error_messages, panel_or_page
from licensing.views.users import list_context

from . import services
from .forms import CallingPolicyForm, DestinationPolicyForm, UserSpendLimitForm
from .models import DestinationPolicy


def _add_errors(form, exc):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@admin_required(Cap.BILLING_READ)
def calling_policy_page(request):
    tenant = request.tenant
    policy = services.calling_policy_for(tenant=tenant)
    status = 200
    if request.method == "POST":
        if not request.user.can(Cap.BILLING_MANAGE):
            raise PermissionDenied
        form = CallingPolicyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            limit = data["user_spend_limit"].strip() or None
            try:
                services.calling_policy_update(tenant=tenant, actor=request.user,
                                               enable_spend_limits=data["enable_spend_limits"],
                                               user_spend_limit=limit, slice_minutes=data["slice_minutes"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Calling policy saved.")
                return redirect("spend:calling_policy")
        status = 400
    else:
        form = None
    return _policy_page(request, form=form, policy=policy, status=status)


def _policy_page(request, *, form=None, policy=None, destination_form=None, status=200):
    tenant = request.tenant
    policy = policy or services.calling_policy_for(tenant=tenant)
    if form is None:
        form = CallingPolicyForm(initial={
            "enable_spend_limits": policy.enable_spend_limits,
            "user_spend_limit": "" if policy.user_spend_limit is None else f"{policy.user_spend_limit:.2f}",
            "slice_minutes": policy.slice_minutes})
    return render(request, "spend/calling_policy.html", {
        "form": form, "policy": policy, "can_manage": request.user.can(Cap.BILLING_MANAGE),
        "destinations": list(DestinationPolicy.objects.filter(tenant=tenant).order_by("name")),
        "destination_form": destination_form or DestinationPolicyForm()}, status=status)


@admin_required(Cap.BILLING_MANAGE)
@require_POST
def destination_policy_add(request):
    form = DestinationPolicyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            policy = services.destination_policy_save(
                tenant=request.tenant, actor=request.user, name=data["name"],
                blocked_countries=data["blocked_countries"], blocked_number_types=data["blocked_number_types"],
                max_concurrent_calls=data["max_concurrent_calls"].strip() or None)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Destination policy '{policy.name}' added.")
            return redirect("spend:calling_policy")
    return _policy_page(request, destination_form=form, status=400)


@admin_required(Cap.BILLING_MANAGE)
@require_POST
def destination_policy_default(request):
    raw = request.POST.get("destination_policy", "").strip()
    try:
        services.calling_policy_set_destination(tenant=request.tenant, actor=request.user,
                                                destination_policy_id=raw or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Org-wide destination policy saved.")
    return redirect("spend:calling_policy")


@admin_required(Cap.USERS_READ)
def user_spend_panel(request, user_id):
    """On Active users, so it needs what that page needs, and the billing figures need Billing read too."""
    if not request.user.can(Cap.BILLING_READ):
        raise PermissionDenied
    person = get_object_or_404(User, pk=user_id, tenant=request.tenant)
    errors, status = [], 200
    if request.method == "POST":
        if not request.user.can(Cap.BILLING_MANAGE):
            raise PermissionDenied
        form = UserSpendLimitForm(request.POST)
        if form.is_valid():
            raw = form.cleaned_data["spend_limit"].strip()
            try:
                services.user_calling_policy_update(tenant=request.tenant, user=person, actor=request.user,
                                                    spend_limit=raw or None)
            except ValidationError as exc:
                errors, status = error_messages(exc), 400
            else:
                messages.success(request, f"Spend limit of {person.display_name} saved.")
    summary = services.user_spend_summary(tenant=request.tenant, user=person)
    if status == 200:
        form = UserSpendLimitForm(initial={
            "spend_limit": "" if summary["own_limit"] is None else f"{summary['own_limit']:.2f}"})
    remaining = None
    if summary["limit"] is not None:
        remaining = max(summary["limit"] - summary["spent"] - summary["held"], 0)
    return panel_or_page(request, "spend/user_spend_panel.html", {
        "person": person, "summary": summary, "form": form, "errors": errors, "remaining": remaining,
        "can_manage": request.user.can(Cap.BILLING_MANAGE)},
        list_context=list_context, close_url=reverse("licensing:active_users"), status=status)
