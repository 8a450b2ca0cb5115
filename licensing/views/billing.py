"""Billing > Your products (buy and remove licenses) and Billing > Licenses (assign and unassign by product)."""
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.navigation import url_or_none
from accounts.permissions import admin_required
from accounts.roles import Cap

from .. import services
from ..forms import QuantityForm
from ..models import LicenseAssignment, SubscriptionQuantityChange
from ..selectors import COMMUNICATIONS_CREDITS, ProductLine, product_lines, subscriptions_with_usage
from .common import error_messages, panel_or_page, redirect_after_save

PAGE_SIZE = 100


def _line(request, subscription_id):
    subscription = get_object_or_404(subscriptions_with_usage(tenant=request.tenant), pk=subscription_id)
    # django-stubs: get_object_or_404 drops the queryset's annotations (consumed_units) from the model it returns.
    assigned = subscription.consumed_units  # type: ignore[attr-defined]
    return ProductLine(subscription=subscription, assigned=assigned, total=subscription.total_units)


@admin_required(Cap.BILLING_READ)
def products(request):
    lines = product_lines(tenant=request.tenant)
    credits_url = url_or_none("billing:credits")
    rows = [{"line": line, "url": credits_url if line.product.sku_part_number == COMMUNICATIONS_CREDITS and credits_url
             else reverse("licensing:product_detail", args=[line.subscription.pk])} for line in lines]
    return render(request, "licensing/products.html", {"rows": rows})


def _product_context(request, subscription_id):
    line = _line(request, subscription_id)
    changes = SubscriptionQuantityChange.objects.filter(subscription=line.subscription).order_by("-created_at", "-id")
    return {"line": line, "changes": changes[:20], "can_manage": request.user.can(Cap.BILLING_MANAGE),
            "can_assign": request.user.can(Cap.LICENSES_MANAGE),
            "credits_url": url_or_none("billing:credits")
            if line.product.sku_part_number == COMMUNICATIONS_CREDITS else None}


@admin_required(Cap.BILLING_READ)
def product_detail(request, subscription_id):
    return render(request, "licensing/product_detail.html", _product_context(request, subscription_id))


@admin_required(Cap.BILLING_MANAGE)
def product_quantity(request, subscription_id, action):
    """Buy licenses (quantity to add) or Remove licenses (new total), in a panel over the product page."""
    line = _line(request, subscription_id)
    buying = action == "buy"
    form = QuantityForm(request.POST or None, label="Quantity to add" if buying else "New quantity")
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            if buying:
                services.subscription_buy(tenant=request.tenant, product=line.product,
                                          quantity=form.cleaned_data["quantity"], actor=request.user,
                                          idempotency_key=form.cleaned_data["idempotency_key"])
            else:
                services.subscription_remove_licenses(subscription=line.subscription,
                                                      new_quantity=form.cleaned_data["quantity"], actor=request.user,
                                                      idempotency_key=form.cleaned_data["idempotency_key"])
        except ValidationError as exc:
            errors = error_messages(exc)
        else:
            line = _line(request, subscription_id)
            messages.success(request, f"{line.product.name} now has {line.total:,} licenses.")
            return redirect_after_save(request, reverse("licensing:product_detail", args=[subscription_id]))
    elif request.method == "POST":
        errors = error_messages(form.errors)
    return panel_or_page(request, "licensing/partials/quantity_panel.html",
                         {"form": form, "errors": errors, "buying": buying, "action": action, "line": line},
                         list_context=lambda r: _product_context(r, subscription_id),
                         close_url=reverse("licensing:product_detail", args=[subscription_id]),
                         page_template="licensing/product_detail.html")


@admin_required(Cap.LICENSES_MANAGE)
def licenses(request):
    return render(request, "licensing/licenses.html", {"lines": product_lines(tenant=request.tenant)})


def _holders_context(request, subscription_id):
    line = _line(request, subscription_id)
    search = request.GET.get("q", "").strip()
    holders = User.objects.filter(tenant=request.tenant, license_assignments__product=line.product)
    if search:
        holders = holders.filter(Q(display_name__icontains=search) | Q(upn__icontains=search))
    page = Paginator(holders.order_by("display_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return {"line": line, "page": page, "search": search}


@admin_required(Cap.LICENSES_MANAGE)
def license_detail(request, subscription_id):
    return render(request, "licensing/license_detail.html", _holders_context(request, subscription_id))


@admin_required(Cap.LICENSES_MANAGE)
def license_assign(request, subscription_id):
    """Assign licenses: find people without this license, tick them, Assign."""
    line = _line(request, subscription_id)
    search = (request.POST.get("q") if request.method == "POST" else request.GET.get("q", "")) or ""
    candidates = (User.objects.filter(tenant=request.tenant, deleted_at__isnull=True)
                  .filter(~Exists(LicenseAssignment.objects.filter(user=OuterRef("pk"), product=line.product))))
    if search.strip():
        candidates = candidates.filter(Q(display_name__icontains=search.strip()) | Q(upn__icontains=search.strip()))
    errors = []
    if request.method == "POST":
        users = _users_from(request)
        try:
            result = services.licenses_change(tenant=request.tenant, actor=request.user, users=users, add=[line.product])
        except ValidationError as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, f"{result.assigned} {line.product.name} license{'s' if result.assigned != 1 else ''} "
                                      "assigned.")
            return redirect_after_save(request, reverse("licensing:license_detail", args=[subscription_id]))
    return panel_or_page(request, "licensing/partials/assign_panel.html", {
        "line": line, "candidates": candidates.order_by("display_name", "pk")[:50], "search": search, "errors": errors,
        "selected_ids": set(request.POST.getlist("user")),
    }, list_context=lambda r: _holders_context(r, subscription_id),
        close_url=reverse("licensing:license_detail", args=[subscription_id]),
        page_template="licensing/license_detail.html")


@admin_required(Cap.LICENSES_MANAGE)
@require_POST
def license_unassign(request, subscription_id):
    line = _line(request, subscription_id)
    users = _users_from(request)
    try:
        result = services.licenses_change(tenant=request.tenant, actor=request.user, users=users, remove=[line.product])
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, f"{result.unassigned} {line.product.name} license{'s' if result.unassigned != 1 else ''}"
                                  " unassigned.")
    return redirect("licensing:license_detail", subscription_id=subscription_id)


def _users_from(request):
    ids = []
    for value in request.POST.getlist("user"):
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise Http404("Not a user id.") from None
    users = list(User.objects.filter(tenant=request.tenant, deleted_at__isnull=True, pk__in=ids))
    if len(users) != len(set(ids)):
        raise Http404("One or more users are not in your organization.")
    return users
