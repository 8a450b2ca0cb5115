"""Billing > Your products > Communications Credits: balance, Add funds, Auto-recharge settings, lots, transactions.

The two panels are ordinary pages (GET opens the panel over the page, POST saves it), so everything works
without JavaScript; a failed save renders the panel again with the errors beside their fields.
"""
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from accounts.navigation import url_or_none
from accounts.permissions import admin_required
from accounts.roles import Cap
from billing.credits import selectors
from billing.credits.exceptions import CreditsError, PaymentDeclined
from billing.credits.models import AutoRechargeSettings, LedgerEntry
from billing.credits.recharge.selectors import (
    credits_forecast_for,
    recharge_advice_for,
    recharge_history,
    recharge_spent_in_month,
)
from billing.credits.rules import DEFAULT_COVER_DAYS, clean_cover_days, limits
from billing.credits.services import (
    auto_recharge_preview,
    auto_recharge_update,
    credits_add_funds,
    credits_purchase_quote,
)
from billing.invoices.selectors import invoice_for_purchase
from core.validation import is_whole
from licensing.selectors import licensed_user_count

from .advice_rows import advice_rows

LOTS_PER_PAGE = 10
TRANSACTIONS_PER_PAGE = 50


def _whole(amount):
    return f"{amount:.0f}" if amount else ""


def _initial_values(panel, settings, recommended, usable_methods, request):
    """What a freshly opened panel shows: the stored settings, else the recommendation for the organisation."""
    default_method = settings.payment_method_id or (usable_methods[0].pk if usable_methods else "")
    if panel == "auto_recharge":
        trigger = settings.trigger_amount or (recommended.trigger_amount if recommended else None)
        recharge = settings.recharge_amount or (recommended.recharge_amount if recommended else None)
        return {"enabled": settings.enabled or settings.pk is None, "mode": settings.mode,
                "trigger_amount": _whole(trigger), "recharge_amount": _whole(recharge),
                "target_balance": _whole(settings.target_balance), "monthly_cap": _whole(settings.monthly_cap),
                "payment_method": str(default_method)}
    # "Add funds" opened from the recharge advice's one-time amount brings it along; Back from the review brings
    # the amount and the payment method reviewed.
    amount = request.GET.get("amount", "")
    chosen = request.GET.get("payment_method", "")
    if chosen not in {str(method.pk) for method in usable_methods}:
        chosen = str(default_method)
    return {"amount": amount if is_whole(amount) else "", "payment_method": chosen}


def _overview_context(request, *, panel=None, values=None, errors=None, advice=None):
    tenant = request.tenant
    users = licensed_user_count(tenant=tenant)
    recommended = selectors.recommended_funding(licensed_users=users)
    settings = selectors.auto_recharge_settings(tenant=tenant)
    usable = [m for m in selectors.payment_methods_in_use(tenant=tenant) if not m.is_expired()]
    recharges = recharge_history(tenant=tenant)
    return {
        "tab": "overview",
        "products_url": url_or_none("licensing:products"),
        "balance": selectors.credits_balance(tenant=tenant),
        "auto_recharge": settings,
        "refusal": selectors.credits_purchase_refusal(tenant=tenant),
        "licensed_users": users,
        "recommended": recommended,
        "usable_methods": usable,
        "recharges": recharges,
        "last_recharge": recharges[0] if recharges else None,
        "lots": Paginator(selectors.credits_lots(tenant=tenant), LOTS_PER_PAGE).get_page(request.GET.get("page")),
        "forecast": credits_forecast_for(tenant=tenant, now=timezone.now()),
        "recharge_help": f"Whole dollars, at least ${limits().minimum_auto_recharge:,.0f}.",
        "can_manage": request.user.can(Cap.BILLING_MANAGE),
        "panel": panel,
        "values": values if values is not None else _initial_values(panel, settings, recommended, usable, request),
        "errors": errors or {},
        "idempotency_key": uuid.uuid4().hex,
        "modes": AutoRechargeSettings.Mode.choices,
        "cap_paused": settings.cap_paused(timezone.now()),
        "recharged_this_month": (recharge_spent_in_month(tenant=tenant, now=timezone.now())
                                 if settings.monthly_cap else None),
        **(advice or {}),
    }


@admin_required(Cap.BILLING_READ)
def credits_overview(request):
    return render(request, "billing/credits.html", _overview_context(request))


def _payment_method(request, value):
    return selectors.payment_method_for(tenant=request.tenant, method_id=value)


def _errors_of(exc):
    """{field: message}; errors that name no field go under "form" (templates can't read "__all__")."""
    if not hasattr(exc, "error_dict"):
        return {"form": " ".join(exc.messages)}
    return {("form" if key == "__all__" else key): " ".join(found) for key, found in exc.message_dict.items()}


REVIEW_SALT = "billing.credits.add_funds.review"
REVIEW_MAX_AGE = 30 * 60  # seconds a review stays good for its Confirm
REVIEW_CHANGED = ("The purchase you reviewed was changed or is incomplete, so nothing was charged. "
                  "Review the purchase again.")


def _review_token(tenant, quote, key):
    """The reviewed figures, signed: Confirm charges these and nothing else."""
    return signing.dumps({"tenant": str(tenant.pk), "amount": str(quote.amount), "method": str(quote.payment_method.pk),
                          "total": str(quote.total), "key": key}, salt=REVIEW_SALT)


def _reviewed(request):
    """The figures of the review whose Confirm this is; ValidationError when the token was changed or is stale."""
    try:
        data = signing.loads(request.POST.get("review", ""), salt=REVIEW_SALT, max_age=REVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError({"form": "This review is more than 30 minutes old, so nothing was charged. "
                                       "Review the purchase again."}) from None
    except signing.BadSignature:
        raise ValidationError({"form": REVIEW_CHANGED}) from None
    if not isinstance(data, dict) or data.get("tenant") != str(request.tenant.pk):
        raise ValidationError({"form": REVIEW_CHANGED})
    return data


def _purchase_errors(exc):
    if isinstance(exc, ValidationError):
        return _errors_of(exc)
    if isinstance(exc, PaymentDeclined):
        return {"payment_method": exc.message}
    if isinstance(exc, PermissionDenied):
        return {"payment_method": str(exc)}
    return {"form": exc.message}


PURCHASE_ERRORS = (ValidationError, PaymentDeclined, PermissionDenied, CreditsError)


@admin_required(Cap.BILLING_MANAGE)
@require_http_methods(["GET", "POST"])
def add_funds(request):
    """Add funds in two steps: the form posts to the review (nothing charged), the review's Confirm charges the
    figures it showed, carried in a signed token, under one idempotency key (a double click pays once)."""
    if request.method == "GET":
        return render(request, "billing/credits.html", _overview_context(request, panel="add_funds"))
    if request.POST.get("step") == "confirm":
        return _add_funds_confirm(request)
    values = {key: request.POST.get(key, "") for key in ("amount", "payment_method")}
    try:
        quote = credits_purchase_quote(tenant=request.tenant, amount=values["amount"],
                                       payment_method=_payment_method(request, values["payment_method"]),
                                       actor=request.user, now=timezone.now())
    except PURCHASE_ERRORS as exc:
        context = _overview_context(request, panel="add_funds", values=values, errors=_purchase_errors(exc))
        return render(request, "billing/credits.html", context, status=400)
    return _render_review(request, quote)


def _render_review(request, quote, *, errors=None, status=200):
    context = _overview_context(request, panel="add_funds_review", values={}, errors=errors)
    context.update(quote=quote, review_token=_review_token(request.tenant, quote, uuid.uuid4().hex))
    return render(request, "billing/credits.html", context, status=status)


def _add_funds_confirm(request):
    try:
        reviewed = _reviewed(request)
    except ValidationError as exc:
        context = _overview_context(request, panel="add_funds", errors=_errors_of(exc))
        return render(request, "billing/credits.html", context, status=400)
    values = {"amount": reviewed["amount"].split(".")[0], "payment_method": reviewed["method"]}
    method = _payment_method(request, reviewed["method"])
    try:
        quote = credits_purchase_quote(tenant=request.tenant, amount=reviewed["amount"], payment_method=method,
                                       actor=request.user)
        if str(quote.total) != reviewed["total"]:  # the tax rate changed since the review: show the new figures
            return _render_review(request, quote, status=409, errors={
                "form": f"The total changed from ${reviewed['total']} to ${quote.total:,.2f} since your review, so "
                        "nothing was charged. Check the new figures, then confirm."})
        purchase = credits_add_funds(tenant=request.tenant, amount=quote.amount, payment_method=method,
                                     idempotency_key=reviewed["key"], actor=request.user)
    except PURCHASE_ERRORS as exc:
        context = _overview_context(request, panel="add_funds", values=values, errors=_purchase_errors(exc))
        return render(request, "billing/credits.html", context, status=400)
    invoice = invoice_for_purchase(tenant=request.tenant, purchase_id=purchase.pk)
    link = (format_html(' <a href="{}">View invoice {}</a>', reverse("invoices:detail", args=[invoice.pk]),
                        invoice.display_number) if invoice else "")
    if purchase.replayed:
        messages.info(request, format_html("This purchase of ${} was already made; nothing more was charged.{}",
                                           f"{purchase.amount:,.2f}", link))
    else:
        balance = selectors.credits_balance(tenant=request.tenant).balance
        messages.success(request, format_html("${} was added with {}. Your balance is ${}.{}", f"{purchase.amount:,.2f}",
                                              purchase.payment_method_label, f"{balance:,.2f}", link))
    return redirect("billing:credits")


def _advice(request):
    """The recharge advisor beside the form: its answer for the days of cover asked (`cover`), and the error of a
    wrong value (the default 14 days are used then)."""
    error = ""
    try:
        cover_days = clean_cover_days(request.GET.get("cover"), field="cover")
    except ValidationError as exc:
        error, cover_days = " ".join(exc.messages), DEFAULT_COVER_DAYS
    advice = recharge_advice_for(tenant=request.tenant, now=timezone.now(), cover_days=cover_days)
    return {"advice": advice, "advice_plans": advice_rows(advice), "cover_days": cover_days,
            "cover_value": request.GET.get("cover", cover_days), "cover_error": error}


def _applied(advice, values):
    """The form's values with the advisor's recommendation filled in (Apply): the admin reviews, then saves."""
    return {**values, "enabled": True, "mode": AutoRechargeSettings.Mode.FIXED,
            "trigger_amount": _whole(advice.trigger), "recharge_amount": _whole(advice.recharge_amount)}


@admin_required(Cap.BILLING_MANAGE)
@require_http_methods(["GET", "POST"])
def auto_recharge(request):
    if request.method == "GET":
        advice = _advice(request)
        context = _overview_context(request, panel="auto_recharge", advice=advice)
        if request.GET.get("apply") and advice["advice"].ok:
            context["values"] = _applied(advice["advice"], context["values"])
            context["applied"] = True
        return render(request, "billing/credits.html", context)
    values = {key: request.POST.get(key, "") for key in ("recharge_amount", "trigger_amount", "payment_method", "mode",
                                                          "target_balance", "monthly_cap")}
    values["enabled"] = request.POST.get("enabled") == "on"
    values["mode"] = values["mode"] or AutoRechargeSettings.Mode.FIXED  # the form's default choice
    try:
        method = _payment_method(request, values["payment_method"]) if values["payment_method"] else None
        if values["payment_method"] and method is None:
            raise ValidationError({"payment_method": "Choose one of your organization's payment methods."})
        preview = auto_recharge_preview(tenant=request.tenant, enabled=values["enabled"], mode=values["mode"],
                                         trigger_amount=values["trigger_amount"],
                                         recharge_amount=values["recharge_amount"],
                                         target_balance=values["target_balance"], monthly_cap=values["monthly_cap"])
        if preview is not None and preview.recharges_now and (
                request.POST.get("confirm_recharge") != str(preview.decision.amount)):
            # The balance is already below the new trigger: saving recharges at once. Say so, and ask.
            context = _overview_context(request, panel="auto_recharge", values=values, advice=_advice(request))
            context.update(recharge_now=preview.decision.amount, recharge_method=method, preview=preview)
            return render(request, "billing/credits.html", context, status=409 if "confirm_recharge" in request.POST
                          else 200)
        settings = auto_recharge_update(tenant=request.tenant, enabled=values["enabled"], mode=values["mode"],
                                        trigger_amount=values["trigger_amount"], recharge_amount=values["recharge_amount"],
                                        target_balance=values["target_balance"], monthly_cap=values["monthly_cap"],
                                        payment_method=method, actor=request.user)
    except ValidationError as exc:
        errors = _errors_of(exc)
    except PermissionDenied as exc:
        errors = {"payment_method": str(exc)}
    except CreditsError as exc:
        errors = {"form": exc.message}
    else:
        messages.success(request, _saved_message(settings))
        return redirect("billing:credits")
    context = _overview_context(request, panel="auto_recharge", values=values, errors=errors, advice=_advice(request))
    return render(request, "billing/credits.html", context, status=400)


def _saved_message(settings):
    if not settings.enabled:
        return "Auto-recharge is off."
    if settings.mode == AutoRechargeSettings.Mode.TOP_UP:
        what = f"it's topped up to ${settings.target_balance:,.0f}"
    else:
        what = f"${settings.recharge_amount:,.0f} is added"
    cap = f", up to ${settings.monthly_cap:,.0f} a month" if settings.monthly_cap else ""
    return (f"Auto-recharge is on: when your balance is below ${settings.trigger_amount:,.0f}, {what} with "
            f"{settings.payment_method.label}{cap}.")


def _date(value, field, errors):
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None
    if day == date.max:  # the day after it, where a "to" day ends, is past Python's last date
        errors[field] = "Enter a date before 9999-12-31."
        return None
    return day


def _invoices_of(tenant, entries):
    """The invoice of each purchase on the page, by purchase id (one query): the page shows its number, linked."""
    from billing.invoices.models import Invoice

    keys = {f"purchase:{entry.purchase_id}": entry.purchase_id for entry in entries if entry.purchase_id}
    if not keys:
        return {}
    found = Invoice.objects.filter(tenant=tenant, reference__in=keys).only("pk", "number", "reference", "kind", "tenant_id")
    return {keys[invoice.reference]: invoice for invoice in found}


@admin_required(Cap.BILLING_READ)
def transactions(request):
    kind = request.GET.get("type", "")
    errors = {}
    if kind and kind not in LedgerEntry.Kind.values:
        errors["type"] = "Choose a transaction type from the list."
    start = _date(request.GET.get("from", ""), "from", errors)
    end = _date(request.GET.get("to", ""), "to", errors)
    if start and end and end < start:
        errors["to"] = "The end date is before the start date."
    entries = LedgerEntry.objects.none()
    if not errors:
        entries = selectors.credits_transactions(
            tenant=request.tenant, kinds=[kind] if kind else (),
            start=datetime.combine(start, time.min, tzinfo=UTC) if start else None,
            end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC) if end else None,
        )
    page = Paginator(entries, TRANSACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    invoices = _invoices_of(request.tenant, page.object_list)
    for entry in page.object_list:
        entry.invoice = invoices.get(entry.purchase_id)  # type: ignore[attr-defined]  # shown beside the entry
    return render(request, "billing/transactions.html", {
        "tab": "transactions", "products_url": url_or_none("licensing:products"), "page": page,
        "kinds": LedgerEntry.Kind.choices, "errors": errors,
        "filters": {"type": kind, "from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
    }, status=400 if errors else 200)
