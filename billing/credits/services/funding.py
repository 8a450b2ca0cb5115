"""Adding funds: a one-time purchase ("Add funds") or an auto-recharge, paid by card or by invoice, and invoiced.

The card is charged through the gateway before the ledger is touched, outside any transaction, so that
no row lock is held across a call to the processor. The gateway is idempotent by key: if the process
dies after the charge, the same request again finds the same charge and writes the credit once.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Cap
from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.exceptions import IdempotencyConflict, PaymentDeclined, PurchaseNotAllowed
from billing.credits.gateway import GatewayIdempotencyConflict, get_gateway
from billing.credits.models import AutoRechargeSettings, LedgerEntry, PaymentMethod, Purchase
from billing.credits.rules import (
    clean_idempotency_key,
    clean_whole_dollars,
    invoice_payment_eligible,
    limits,
    lot_expiry,
    purchase_refusal,
)
from billing.invoices.services import invoice_issue_for_purchase, invoice_tax_for
from billing.notifications.events import Event
from licensing.services import subscription_ensure_communications_credits

from .balance_events import notify_safely
from .ledger import actor_fields, credit_with_lot

Kind = LedgerEntry.Kind


def funding_fingerprint(kind, amount, payment_method):
    """What a repeated request under the same key must match to be answered with the first purchase."""
    return hashlib.sha256(f"{kind}|{amount}|{payment_method.pk}".encode()).hexdigest()


def _replay(first, fingerprint):
    if first.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"This idempotency key was already used for another purchase (${first.amount:,.2f} with "
            f"{first.payment_method_label} on {first.created_at:%b %d, %Y}). Use a new key for a new purchase.")
    first.replayed = True
    return first


def check_payment_method(*, tenant, payment_method, field="payment_method"):
    if payment_method is None or payment_method.tenant_id != tenant.pk or payment_method.removed_at is not None:
        raise ValidationError({field: "Choose one of your organization's payment methods."})
    if payment_method.is_expired():
        raise ValidationError({field: f"The card ending in {payment_method.last4} expired in {payment_method.expiration}. "
                                      "Replace it on Payment methods or choose another payment method."})


def check_invoice_payment(*, tenant, actor, field="payment_method"):
    """Invoice payment: EA billing accounts, chosen by a Global admin (actor None is the system, e.g. a recharge)."""
    if not invoice_payment_eligible(tenant):
        raise ValidationError({field: "Paying by invoice needs an Enterprise Agreement billing account."})
    if actor is not None and not actor.can(Cap.INVOICE_PAYMENT):
        raise PermissionDenied("Paying by invoice is available to Global admins only.")


@dataclass(frozen=True)
class PurchaseQuote:
    """What a one-time purchase would charge, shown on the review step before anything is charged."""

    amount: Decimal
    payment_method: PaymentMethod
    tax_label: str
    tax_rate: Decimal
    tax: Decimal
    total: Decimal  # what the payment method is charged (or invoiced)
    expires_at: datetime  # when these funds expire if they are bought now

    @property
    def tax_percent(self):
        return (self.tax_rate * 100).normalize()


def _check_purchase(*, tenant, amount, payment_method, actor):
    """The checks of a one-time purchase, in the order the admin meets them; returns the clean amount."""
    amount = clean_whole_dollars(amount, field="amount", minimum=limits().minimum_purchase)
    check_payment_method(tenant=tenant, payment_method=payment_method)
    refusal = purchase_refusal(tenant)
    if refusal:
        raise PurchaseNotAllowed(refusal)
    if payment_method.kind == PaymentMethod.Kind.INVOICE:
        check_invoice_payment(tenant=tenant, actor=actor)
    return amount


def credits_purchase_quote(*, tenant, amount, payment_method, actor, now=None):
    """The review of a one-time purchase: the same checks as credits_add_funds, and the figures it would charge.
    Charges nothing, writes nothing."""
    amount = _check_purchase(tenant=tenant, amount=amount, payment_method=payment_method, actor=actor)
    label, rate, tax = invoice_tax_for(amount)
    return PurchaseQuote(amount=amount, payment_method=payment_method, tax_label=label, tax_rate=rate, tax=tax,
                         total=amount + tax, expires_at=lot_expiry(now or timezone.now()))


def credits_add_funds(*, tenant, amount, payment_method, idempotency_key, actor, kind=Kind.PURCHASE, at=None):
    """Buys `amount` whole dollars of credit: charges the card (or books an invoice purchase), then writes
    the ledger entry, a lot expiring after the lot lifetime, the Purchase record and its invoice, in one
    transaction.

    Idempotent by (tenant, idempotency_key): the same request again returns the first Purchase (with
    `.replayed = True`); another request under the same key raises IdempotencyConflict. Raises
    ValidationError naming the field for bad input, PurchaseNotAllowed when the billing account can't
    buy, PaymentDeclined when the card is declined, PermissionDenied for invoice payment by a non-Global
    admin. `kind` is PURCHASE (Add funds) or RECHARGE (actor=None). `at` back-dates the purchase (demo data
    and imports); it defaults to now. The auto-recharge engine (services/recharge.py) charges and records
    through `charge_for_funding` and `record_funding` itself, so that its attempt changes in the same
    transaction.
    """
    if kind not in LedgerEntry.CREDIT_KINDS:
        raise ValueError(f"{kind!r} is not a funding kind.")
    amount = clean_whole_dollars(amount, field="amount", minimum=limits().minimum_purchase)
    key = clean_idempotency_key(idempotency_key)
    check_payment_method(tenant=tenant, payment_method=payment_method)
    fingerprint = funding_fingerprint(kind, amount, payment_method)
    first = Purchase.objects.filter(tenant=tenant, idempotency_key=key).first()
    if first is not None:
        return _replay(first, fingerprint)
    refusal = purchase_refusal(tenant)
    if refusal:
        raise PurchaseNotAllowed(refusal)
    now = timezone.now()
    if at is not None and at > now:
        raise ValidationError({"at": "A purchase can't be dated in the future."})
    if payment_method.kind == PaymentMethod.Kind.INVOICE:
        check_invoice_payment(tenant=tenant, actor=actor)
    charge_id = charge_for_funding(tenant=tenant, amount=amount, payment_method=payment_method, key=key)
    with transaction.atomic(durable=True):
        account = lock_objects.credit_account_for_update(tenant=tenant)
        purchase = record_funding(tenant=tenant, account=account, kind=kind, amount=amount,
                                  payment_method=payment_method, key=key, fingerprint=fingerprint, charge_id=charge_id,
                                  actor=actor, at=at or now)
        if kind == Kind.PURCHASE and not purchase.replayed and at is None:
            _purchase_email(purchase, account)
        return purchase


def _purchase_email(purchase, account):
    """The purchase confirmation to the billing recipients, sent once the purchase commits (once per purchase)."""
    invoice = purchase.invoice
    notify_safely(tenant=purchase.tenant, event=Event.PURCHASE_SUCCEEDED, period_key=f"purchase:{purchase.pk}", context={
        "amount": purchase.amount, "tax": invoice.tax, "tax_label": invoice.tax_label, "total": invoice.total,
        "new_balance": account.balance, "invoice_number": invoice.display_number,
        "payment_method": purchase.payment_method_label, "expires_on": lot_expiry(purchase.created_at).date(),
        "invoice_id": str(invoice.pk), "url_name": "invoices:detail", "url_kwargs": {"invoice_id": str(invoice.pk)},
    })


def charge_for_funding(*, tenant, amount, payment_method, key):
    """Charges a card under the funding's key, outside any transaction; returns the gateway's charge reference
    ('' for invoice payment, which charges nothing now). A repeated key returns the first charge's result.
    Raises PaymentDeclined, or IdempotencyConflict when the key was used for another charge."""
    if payment_method.kind == PaymentMethod.Kind.INVOICE:
        return ""
    total = amount + invoice_tax_for(amount)[2]  # the invoice's total: the card pays the tax too
    try:
        result = get_gateway().charge(token=payment_method.gateway_token, amount=total, currency=tenant.currency,
                                      idempotency_key=f"credits:{tenant.pk}:{key}",
                                      description=f"Communications Credits for {tenant.name}")
    except GatewayIdempotencyConflict as exc:
        raise IdempotencyConflict(str(exc)) from None
    if not result.succeeded:
        raise PaymentDeclined(result.message, code=result.decline_code)
    return result.reference


def _invoice_payment(payment_method):
    """How the invoice says it was paid: a card is paid at purchase; an agreement invoice is due."""
    if payment_method.kind == PaymentMethod.Kind.CARD:
        return {"method": "card", "label": payment_method.label, "po_number": "", "paid": True}
    return {"method": "invoice", "label": payment_method.label, "po_number": payment_method.po_number, "paid": False}


PURCHASE_DESCRIPTIONS = {
    Kind.PURCHASE: "Communications Credits, one-time purchase",
    Kind.RECHARGE: "Communications Credits, auto-recharge",
}


def record_funding(*, tenant, account, kind, amount, payment_method, key, fingerprint, charge_id, actor, at):
    """Writes a paid funding: Purchase, ledger entry, lot and the purchase's invoice (reference
    `purchase:<id>`). The caller holds the account lock (lock_objects.credit_account_for_update) inside its
    transaction. A key already recorded returns that Purchase (`.replayed = True`)."""
    first = Purchase.objects.filter(tenant=tenant, idempotency_key=key).first()
    if first is not None:  # a concurrent request with this key got here first
        first = _replay(first, fingerprint)
        first.invoice = purchase_invoice_issue(purchase=first, actor=actor)
        return first
    first_funding = not Purchase.objects.filter(tenant=tenant).exists()
    purchase = Purchase.objects.create(
        tenant=tenant, account=account, kind=kind, amount=amount, currency=account.currency,
        payment_method=payment_method, payment_kind=payment_method.kind, payment_method_label=payment_method.label,
        agreement_number=payment_method.agreement_number, po_number=payment_method.po_number,
        gateway_charge_id=charge_id, idempotency_key=key, request_fingerprint=fingerprint, created_at=at,
        **actor_fields(actor),
    )
    credit_with_lot(account, kind=kind, amount=amount, idempotency_key=f"{kind}:{key}", actor=actor, at=at,
                    purchase=purchase, memo=f"Paid with {payment_method.label}")
    if kind == Kind.RECHARGE:
        AutoRechargeSettings.objects.filter(tenant=tenant).update(consecutive_failures=0, last_failure_reason="")
    purchase.invoice = purchase_invoice_issue(purchase=purchase, actor=actor)  # type: ignore[attr-defined]
    audit_record(tenant=tenant, actor=actor, action=f"credits.{kind}", target=purchase,
                 after={"amount": str(amount), "payment_method": payment_method.label,
                        "po_number": payment_method.po_number, "balance": str(account.balance),
                        "invoice": purchase.invoice.display_number})  # type: ignore[attr-defined]
    if first_funding:
        # Funding adds the very large number of MCOPSTNC licenses admins then assign (PRODUCT.md).
        subscription_ensure_communications_credits(tenant=tenant, actor=actor)
    purchase.replayed = False  # type: ignore[attr-defined]
    return purchase


def purchase_invoice_issue(*, purchase, actor):
    """The invoice of a purchase (every purchase gets one); issuing it again returns the first. Runs inside the
    caller's transaction; the PDF is rendered after the commit."""
    return invoice_issue_for_purchase(
        tenant=purchase.tenant, amount=purchase.amount, description=PURCHASE_DESCRIPTIONS[purchase.kind],
        payment=_invoice_payment(purchase.payment_method), reference=f"purchase:{purchase.pk}",
        issued_at=purchase.created_at, actor=actor)
