"""Adding funds: a one-time purchase ("Add funds") or an auto-recharge, paid by card or by invoice, and invoiced.

The card is charged through the gateway before the ledger is touched, outside any transaction, so that
no row lock is held across a call to the processor. The gateway is idempotent by key: if the process
dies after the charge, the same request again finds the same charge and writes the credit once.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from accounts.roles import Actor, Cap
from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.exceptions import IdempotencyConflict, PaymentDeclined, PurchaseNotAllowed
from billing.credits.gateway import GatewayIdempotencyConflict, get_gateway
from billing.credits.models import AutoRechargeSettings, CreditAccount, LedgerEntry, PaymentMethod, Purchase
from billing.credits.rules import (
    clean_idempotency_key,
    clean_whole_dollars,
    invoice_payment_eligible,
    limits,
    lot_expiry,
    purchase_refusal,
)
from billing.invoices.models import Invoice
from billing.invoices.services import invoice_issue_for_purchase, invoice_tax_for
from billing.notifications.events import Event
from licensing.services import subscription_ensure_communications_credits

from .balance_events import notify_safely
from .ledger import actor_fields, credit_with_lot

Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class Funding:
    """What adding funds answers: the Purchase, its invoice, and whether the request repeated an earlier one under
    the same idempotency key (then nothing was charged or written again: both are the first request's)."""

    purchase: Purchase
    invoice: Invoice
    replayed: bool = False


def funding_fingerprint(kind: str, amount: Decimal, payment_method: PaymentMethod) -> str:
    """What a repeated request under the same key must match to be answered with the first purchase."""
    return hashlib.sha256(f"{kind}|{amount}|{payment_method.pk}".encode()).hexdigest()


def _replay(first: Purchase, fingerprint: str, *, actor: object) -> Funding:
    """The first purchase under a key, answering a repeat of its request (its invoice is found, not issued again)."""
    if first.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"This idempotency key was already used for another purchase (${first.amount:,.2f} with "
            f"{first.payment_method_label} on {first.created_at:%b %d, %Y}). Use a new key for a new purchase.")
    return Funding(purchase=first, invoice=purchase_invoice_issue(purchase=first, actor=actor), replayed=True)


def check_payment_method(*, tenant: Tenant, payment_method: PaymentMethod | None,
                          field: str = "payment_method") -> PaymentMethod:
    """`payment_method` when the organization may pay with it now; ValidationError naming `field` otherwise."""
    if payment_method is None or payment_method.tenant_id != tenant.pk or payment_method.removed_at is not None:
        raise ValidationError({field: "Choose one of your organization's payment methods."})
    if payment_method.is_expired():
        raise ValidationError({field: f"The card ending in {payment_method.last4} expired in {payment_method.expiration}. "
                                      "Replace it on Payment methods or choose another payment method."})
    return payment_method


def check_invoice_payment(*, tenant: Tenant, actor: object, field: str = "payment_method") -> None:
    """Invoice payment: EA billing accounts, chosen by a Global admin (actor None is the system, e.g. a recharge)."""
    if not invoice_payment_eligible(tenant):
        raise ValidationError({field: "Paying by invoice needs an Enterprise Agreement billing account."})
    if actor is not None and not (isinstance(actor, Actor) and actor.can(Cap.INVOICE_PAYMENT)):
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
    def tax_percent(self) -> Decimal:
        return (self.tax_rate * 100).normalize()


def _check_purchase(*, tenant: Tenant, amount: object, payment_method: PaymentMethod | None,
                    actor: object) -> tuple[Decimal, PaymentMethod]:
    """The checks of a one-time purchase, in the order the admin meets them; returns the clean amount and method."""
    dollars = clean_whole_dollars(amount, field="amount", minimum=limits().minimum_purchase)
    method = check_payment_method(tenant=tenant, payment_method=payment_method)
    refusal = purchase_refusal(tenant)
    if refusal:
        raise PurchaseNotAllowed(refusal)
    if method.kind == PaymentMethod.Kind.INVOICE:
        check_invoice_payment(tenant=tenant, actor=actor)
    return dollars, method


def credits_purchase_quote(*, tenant: Tenant, amount: object, payment_method: PaymentMethod | None,
                           actor: object, now: datetime | None = None) -> PurchaseQuote:
    """The review of a one-time purchase: the same checks as credits_add_funds, and the figures it would charge.
    Charges nothing, writes nothing."""
    dollars, method = _check_purchase(tenant=tenant, amount=amount, payment_method=payment_method, actor=actor)
    label, rate, tax = invoice_tax_for(dollars)
    return PurchaseQuote(amount=dollars, payment_method=method, tax_label=label, tax_rate=rate, tax=tax,
                         total=dollars + tax, expires_at=lot_expiry(now or timezone.now()))


def credits_add_funds(*, tenant: Tenant, amount: object, payment_method: PaymentMethod | None,
                      idempotency_key: str | None, actor: object, kind: str = Kind.PURCHASE,
                      at: datetime | None = None) -> Funding:
    """Buys `amount` whole dollars of credit: charges the card (or books an invoice purchase), then writes
    the ledger entry, a lot expiring after the lot lifetime, the Purchase record and its invoice, in one
    transaction.

    Idempotent by (tenant, idempotency_key): the same request again answers with the first Purchase (a Funding
    with `replayed` True); another request under the same key raises IdempotencyConflict. Raises
    ValidationError naming the field for bad input, PurchaseNotAllowed when the billing account can't
    buy, PaymentDeclined when the card is declined, PermissionDenied for invoice payment by a non-Global
    admin. `kind` is PURCHASE (Add funds) or RECHARGE (actor=None). `at` back-dates the purchase (demo data
    and imports); it defaults to now. The auto-recharge engine (services/recharge.py) charges and records
    through `charge_for_funding` and `record_funding` itself, so that its attempt changes in the same
    transaction.
    """
    if kind not in LedgerEntry.CREDIT_KINDS:
        raise ValueError(f"{kind!r} is not a funding kind.")
    dollars = clean_whole_dollars(amount, field="amount", minimum=limits().minimum_purchase)
    key = clean_idempotency_key(idempotency_key)
    method = check_payment_method(tenant=tenant, payment_method=payment_method)
    fingerprint = funding_fingerprint(kind, dollars, method)
    first = Purchase.objects.filter(tenant=tenant, idempotency_key=key).first()
    if first is not None:
        return _replay(first, fingerprint, actor=actor)
    refusal = purchase_refusal(tenant)
    if refusal:
        raise PurchaseNotAllowed(refusal)
    now = timezone.now()
    if at is not None and at > now:
        raise ValidationError({"at": "A purchase can't be dated in the future."})
    if method.kind == PaymentMethod.Kind.INVOICE:
        check_invoice_payment(tenant=tenant, actor=actor)
    charge_id = charge_for_funding(tenant=tenant, amount=dollars, payment_method=method, key=key)
    with transaction.atomic(durable=True):
        account = lock_objects.credit_account_for_update(tenant=tenant)
        funding = record_funding(tenant=tenant, account=account, kind=kind, amount=dollars, payment_method=method,
                                 key=key, fingerprint=fingerprint, charge_id=charge_id, actor=actor, at=at or now)
        if kind == Kind.PURCHASE and not funding.replayed and at is None:
            _purchase_email(funding, account)
        return funding


def _purchase_email(funding: Funding, account: CreditAccount) -> None:
    """The purchase confirmation to the billing recipients, sent once the purchase commits (once per purchase)."""
    purchase, invoice = funding.purchase, funding.invoice
    notify_safely(tenant=purchase.tenant, event=Event.PURCHASE_SUCCEEDED, period_key=f"purchase:{purchase.pk}", context={
        "amount": purchase.amount, "tax": invoice.tax, "tax_label": invoice.tax_label, "total": invoice.total,
        "new_balance": account.balance, "invoice_number": invoice.display_number,
        "payment_method": purchase.payment_method_label, "expires_on": lot_expiry(purchase.created_at).date(),
        "invoice_id": str(invoice.pk), "url_name": "invoices:detail", "url_kwargs": {"invoice_id": str(invoice.pk)},
    })


def charge_for_funding(*, tenant: Tenant, amount: Decimal, payment_method: PaymentMethod, key: str) -> str:
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


def _invoice_payment(payment_method: PaymentMethod) -> dict[str, Any]:
    """How the invoice says it was paid: a card is paid at purchase; an agreement invoice is due."""
    if payment_method.kind == PaymentMethod.Kind.CARD:
        return {"method": "card", "label": payment_method.label, "po_number": "", "paid": True}
    return {"method": "invoice", "label": payment_method.label, "po_number": payment_method.po_number, "paid": False}


PURCHASE_DESCRIPTIONS: dict[str, str] = {
    Kind.PURCHASE: "Communications Credits, one-time purchase",
    Kind.RECHARGE: "Communications Credits, auto-recharge",
}


def record_funding(*, tenant: Tenant, account: CreditAccount, kind: str, amount: Decimal, payment_method: PaymentMethod,
                   key: str, fingerprint: str, charge_id: str, actor: object, at: datetime) -> Funding:
    """Writes a paid funding: Purchase, ledger entry, lot and the purchase's invoice (reference
    `purchase:<id>`). The caller holds the account lock (lock_objects.credit_account_for_update) inside its
    transaction. A key already recorded answers with that Purchase (`replayed` True)."""
    first = Purchase.objects.filter(tenant=tenant, idempotency_key=key).first()
    if first is not None:  # a concurrent request with this key got here first
        return _replay(first, fingerprint, actor=actor)
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
    invoice = purchase_invoice_issue(purchase=purchase, actor=actor)
    audit_record(tenant=tenant, actor=actor, action=f"credits.{kind}", target=purchase,
                 after={"amount": str(amount), "payment_method": payment_method.label,
                        "po_number": payment_method.po_number, "balance": str(account.balance),
                        "invoice": invoice.display_number})
    if first_funding:
        # Funding adds the very large number of MCOPSTNC licenses admins then assign (PRODUCT.md).
        subscription_ensure_communications_credits(tenant=tenant, actor=actor)
    return Funding(purchase=purchase, invoice=invoice)


def purchase_invoice_issue(*, purchase: Purchase, actor: object) -> Invoice:
    """The invoice of a purchase (every purchase gets one); issuing it again returns the first. Runs inside the
    caller's transaction; the PDF is rendered after the commit."""
    return invoice_issue_for_purchase(
        tenant=purchase.tenant, amount=purchase.amount, description=PURCHASE_DESCRIPTIONS[purchase.kind],
        payment=_invoice_payment(purchase.payment_method), reference=f"purchase:{purchase.pk}",
        issued_at=purchase.created_at, actor=actor)
