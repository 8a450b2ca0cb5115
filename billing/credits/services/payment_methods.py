"""Payment methods: add a card (tokenised by the gateway), add invoice payment, replace, delete."""
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.gateway import CardRejected, get_gateway
from billing.credits.gateway.cards import card_problem
from billing.credits.models import AutoRechargeSettings, PaymentMethod
from core.validation import clean_text

from .funding import check_invoice_payment
from .ledger import actor_fields

_PO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,39}$")


def _tokenise(*, number, exp_month, exp_year, cvc, holder_name):
    """Checks the card and hands it to the gateway; only the token and the last four digits come back."""
    holder_name = clean_text(holder_name, field="holder_name")  # text without NUL bytes, not [null, null]
    errors = {}
    if not holder_name:
        errors["holder_name"] = "Enter the name on the card."
    elif len(holder_name) > 100:
        errors["holder_name"] = "The name on the card is longer than 100 characters."
    problem = card_problem(number, exp_month, exp_year, cvc)
    if problem:
        errors[problem[0]] = problem[1]
    if errors:
        raise ValidationError(errors)
    try:
        card = get_gateway().tokenise_card(number=number, exp_month=int(exp_month), exp_year=int(exp_year),
                                           cvc=cvc or "", holder_name=holder_name)
    except CardRejected as exc:
        raise ValidationError({exc.field: exc.message}) from None
    return card, holder_name


def _card_fields(card, holder_name):
    return {"kind": PaymentMethod.Kind.CARD, "brand": card.brand, "last4": card.last4, "exp_month": card.exp_month,
            "exp_year": card.exp_year, "holder_name": holder_name, "gateway_token": card.token}


def _snapshot(method):
    return {"label": method.label, "expiration": method.expiration, "holder_name": method.holder_name}


def payment_method_add_card(*, tenant, number, exp_month, exp_year, holder_name, actor, cvc=""):
    """Adds a credit card. The number and CVC are passed to the gateway and forgotten."""
    card, holder_name = _tokenise(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, holder_name=holder_name)
    with transaction.atomic(durable=True):
        method = PaymentMethod.objects.create(tenant=tenant, created_by=actor_fields(actor)["actor"],
                                              **_card_fields(card, holder_name))
        audit_record(tenant=tenant, actor=actor, action="payment_method.add", target=method, after=_snapshot(method))
    return method


def payment_method_add_invoice(*, tenant, agreement_number, actor, po_number=""):
    """Invoice payment against the tenant's Enterprise Agreement, with an optional purchase-order number."""
    check_invoice_payment(tenant=tenant, actor=actor, field="type")
    agreement_number = clean_text(agreement_number, field="agreement_number", max_length=40)
    po_number = clean_text(po_number, field="po_number", max_length=40)
    errors = {}
    if not agreement_number:
        errors["agreement_number"] = "Enter your Enterprise Agreement number."
    elif agreement_number.upper() != tenant.agreement_number.upper():
        errors["agreement_number"] = f"'{agreement_number}' isn't your organization's Enterprise Agreement number."
    if po_number and not _PO_RE.match(po_number):
        errors["po_number"] = "A PO number has up to 40 letters, digits, spaces and . / _ - characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        method = PaymentMethod.objects.create(tenant=tenant, kind=PaymentMethod.Kind.INVOICE,
                                              agreement_number=tenant.agreement_number, po_number=po_number,
                                              created_by=actor_fields(actor)["actor"])
        audit_record(tenant=tenant, actor=actor, action="payment_method.add", target=method, after=_snapshot(method))
    return method


def _check_in_use(method):
    if method.removed_at is not None:
        raise ValidationError({"payment_method": "This payment method was already deleted."})


def payment_method_replace(*, payment_method, number, exp_month, exp_year, holder_name, actor, cvc=""):
    """Replaces a method by a new card: auto-recharge moves to the new card, the old one is deleted."""
    _check_in_use(payment_method)
    card, holder_name = _tokenise(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, holder_name=holder_name)
    tenant = payment_method.tenant
    with transaction.atomic(durable=True):
        new = PaymentMethod.objects.create(tenant=tenant, created_by=actor_fields(actor)["actor"],
                                           **_card_fields(card, holder_name))
        AutoRechargeSettings.objects.filter(tenant=tenant, payment_method=payment_method).update(payment_method=new)
        payment_method.removed_at = timezone.now()
        payment_method.save(update_fields=["removed_at"])
        audit_record(tenant=tenant, actor=actor, action="payment_method.replace", target=new,
                     before=_snapshot(payment_method), after=_snapshot(new))
    return new


def payment_method_remove(*, payment_method, actor):
    """Deletes a payment method; past purchases keep its label. Refused while it pays for auto-recharge."""
    _check_in_use(payment_method)
    tenant = payment_method.tenant
    with transaction.atomic(durable=True):
        recharge = lock_objects.auto_recharge_settings_for_update(tenant=tenant)
        pays_recharges = recharge is not None and recharge.payment_method_id == payment_method.pk
        if pays_recharges and recharge.enabled:
            raise ValidationError({"payment_method": f"{payment_method.label} pays for auto-recharge. Choose another "
                                                     "payment method in Auto-recharge settings, or replace this one."})
        if pays_recharges:
            recharge.payment_method = None
            recharge.save(update_fields=["payment_method"])
        payment_method.removed_at = timezone.now()
        payment_method.save(update_fields=["removed_at"])
        audit_record(tenant=tenant, actor=actor, action="payment_method.delete", target=payment_method,
                     before=_snapshot(payment_method))
    return payment_method
