"""Billing > Payment methods: the cards and invoice arrangements on file; Add a payment method, Replace, Delete."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.permissions import admin_required
from accounts.roles import Cap
from billing.credits import selectors
from billing.credits.gateway import get_gateway
from billing.credits.rules import invoice_payment_eligible
from billing.credits.services import (
    payment_method_add_card,
    payment_method_add_invoice,
    payment_method_remove,
    payment_method_replace,
    payment_method_update,
)

CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc", "holder_name")


def _context(request, *, panel=None, target=None, values=None, errors=None):
    tenant = request.tenant
    recharge = selectors.auto_recharge_settings(tenant=tenant)
    return {
        "methods": selectors.payment_methods_in_use(tenant=tenant),
        "auto_recharge": recharge,
        "can_manage": request.user.can(Cap.BILLING_MANAGE),
        "can_invoice": invoice_payment_eligible(tenant) and request.user.can(Cap.INVOICE_PAYMENT),
        "test_mode": get_gateway().test_mode,
        "panel": panel,
        "target": target,
        "values": values or {},
        "errors": errors or {},
        "agreement_number": tenant.agreement_number,
        "switch_choices": [m for m in selectors.payment_methods_in_use(tenant=tenant)
                           if not m.is_expired() and m.pk != target.pk] if panel == "delete" else [],
    }


def _errors_of(exc):
    return {key: " ".join(found) for key, found in exc.message_dict.items()}


@admin_required(Cap.BILLING_READ)
def payment_methods(request):
    return render(request, "billing/payment_methods.html", _context(request))


def _method_or_404(request, method_id):
    method = selectors.payment_method_for(tenant=request.tenant, method_id=method_id)
    if method is None:
        raise Http404("No such payment method.")
    return method


@admin_required(Cap.BILLING_MANAGE)
@require_http_methods(["GET", "POST"])
def add_payment_method(request):
    kind = request.POST.get("type") or request.GET.get("type") or "card"
    if request.method == "GET":
        return render(request, "billing/payment_methods.html", _context(request, panel="add", values={"type": kind}))
    values = {key: request.POST.get(key, "").strip() for key in (*CARD_FIELDS, "agreement_number", "po_number",
                                                                  "nickname")}
    values["type"] = kind
    values["make_default"] = request.POST.get("make_default") == "on"
    try:
        if kind == "invoice":
            method = payment_method_add_invoice(tenant=request.tenant, agreement_number=values["agreement_number"],
                                                po_number=values["po_number"], actor=request.user)
        else:
            method = payment_method_add_card(tenant=request.tenant, actor=request.user, nickname=values["nickname"],
                                             make_default=values["make_default"],
                                             **{key: values[key] for key in CARD_FIELDS})
    except ValidationError as exc:
        errors = _errors_of(exc)
    except PermissionDenied as exc:
        errors = {"type": str(exc)}
    else:
        default = " It's your default payment method." if method.is_default else ""
        verified = " was verified with your card issuer and" if method.kind == method.Kind.CARD else " was"
        messages.success(request, f"{method.label}{verified} added.{default}")
        return redirect("billing:payment_methods")
    values.pop("number"), values.pop("cvc")  # never sent back to the browser
    context = _context(request, panel="add", values=values, errors=errors)
    return render(request, "billing/payment_methods.html", context, status=400)


@admin_required(Cap.BILLING_MANAGE)
@require_http_methods(["GET", "POST"])
def replace_payment_method(request, method_id):
    method = _method_or_404(request, method_id)
    if request.method == "GET":
        return render(request, "billing/payment_methods.html", _context(request, panel="replace", target=method))
    values = {key: request.POST.get(key, "").strip() for key in CARD_FIELDS}
    try:
        new = payment_method_replace(payment_method=method, actor=request.user, **values)
    except ValidationError as exc:
        values.pop("number"), values.pop("cvc")
        context = _context(request, panel="replace", target=method, values=values, errors=_errors_of(exc))
        return render(request, "billing/payment_methods.html", context, status=400)
    messages.success(request, f"{method.label} was replaced by {new.label}.")
    return redirect("billing:payment_methods")


@admin_required(Cap.BILLING_MANAGE)
@require_http_methods(["GET", "POST"])
def edit_payment_method(request, method_id):
    """The nickname of a payment method, and whether it is the default."""
    method = _method_or_404(request, method_id)
    if request.method == "GET":
        values = {"nickname": method.nickname, "make_default": method.is_default}
        return render(request, "billing/payment_methods.html", _context(request, panel="edit", target=method,
                                                                       values=values))
    values = {"nickname": request.POST.get("nickname", ""), "make_default": request.POST.get("make_default") == "on"}
    try:
        payment_method_update(payment_method=method, actor=request.user, nickname=values["nickname"],
                              make_default=values["make_default"])
    except ValidationError as exc:
        context = _context(request, panel="edit", target=method, values=values, errors=_errors_of(exc))
        return render(request, "billing/payment_methods.html", context, status=400)
    messages.success(request, f"{method.display_name} was saved." + (" It's your default payment method."
                                                                      if method.is_default else ""))
    return redirect("billing:payment_methods")


@admin_required(Cap.BILLING_MANAGE)
@require_http_methods(["GET", "POST"])
def delete_payment_method(request, method_id):
    """Delete; when the method pays for auto-recharge, the panel says auto-recharge would stop and offers to switch
    it to another payment method (or to turn it off)."""
    method = _method_or_404(request, method_id)
    if request.method == "GET":
        return render(request, "billing/payment_methods.html", _context(request, panel="delete", target=method))
    choice = request.POST.get("auto_recharge", "")
    switch_to = None
    errors = {}
    if choice and choice != "off":
        switch_to = selectors.payment_method_for(tenant=request.tenant, method_id=choice)
        if switch_to is None:
            errors = {"switch_to": "Choose another of your organization's payment methods."}
    if not errors:
        try:
            payment_method_remove(payment_method=method, actor=request.user, switch_to=switch_to,
                                  stop_auto_recharge=choice == "off")
        except ValidationError as exc:
            errors = _errors_of(exc)
    if errors:
        context = _context(request, panel="delete", target=method, errors=errors, values={"auto_recharge": choice})
        return render(request, "billing/payment_methods.html", context, status=400)
    if switch_to is not None:
        messages.success(request, f"{method.label} was deleted. Auto-recharge now uses {switch_to.label}.")
    elif choice == "off":
        messages.success(request, f"{method.label} was deleted. Auto-recharge is off.")
    else:
        messages.success(request, f"{method.label} was deleted.")
    return redirect("billing:payment_methods")
