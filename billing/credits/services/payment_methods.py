"""Payment methods: add a card (tokenised and verified by the gateway), add invoice payment, replace, delete, the
default and nicknames."""
import re
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.gateway import CardRejected, GatewayIdempotencyConflict, TokenisedCard, get_gateway
from billing.credits.gateway.cards import card_problem
from billing.credits.models import AutoRechargeSettings, PaymentMethod
from core.validation import clean_text

from .funding import check_invoice_payment
from .ledger import actor_fields

_PO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,39}$")


def clean_nickname(value: object) -> str:
    nickname = " ".join(clean_text(value, field="nickname").split())
    if len(nickname) > 40:
        raise ValidationError({"nickname": "A nickname has at most 40 characters."})
    return nickname


def _tokenise(*, tenant: Tenant, number: object, exp_month: Any, exp_year: Any, cvc: str | None, holder_name: object,
              replacing: PaymentMethod | None = None) -> tuple[TokenisedCard, str, str]:
    """Checks the card, hands it to the gateway and verifies it there with a zero-amount authorization; only the
    token, the last four digits and the card's fingerprint come back. A declined verification, or a card the
    organisation already has on file (other than the one it replaces), is refused with why."""
    holder = clean_text(holder_name, field="holder_name")  # text without NUL bytes, not [null, null]
    errors = {}
    if not holder:
        errors["holder_name"] = "Enter the name on the card."
    elif len(holder) > 100:
        errors["holder_name"] = "The name on the card is longer than 100 characters."
    problem = card_problem(number, exp_month, exp_year, cvc)
    if problem:
        errors[problem[0]] = problem[1]
    if errors:
        raise ValidationError(errors)
    gateway = get_gateway()
    try:
        card = gateway.tokenise_card(number=number, exp_month=int(exp_month), exp_year=int(exp_year),
                                     cvc=cvc or "", holder_name=holder)
    except CardRejected as exc:
        raise ValidationError({exc.field: exc.message}) from None
    if card.fingerprint:
        same = (PaymentMethod.objects.filter(tenant=tenant, removed_at__isnull=True, card_fingerprint=card.fingerprint)
                .exclude(pk=getattr(replacing, "pk", None)).first())  # type: ignore[misc]  # None excludes nothing
        if same is not None:
            raise ValidationError({"number": f"This card is already on file as {same.display_name}. "
                                             "Use Replace on that card to change its expiration date."})
    try:
        verified = gateway.verify_card(token=card.token, idempotency_key=f"verify:{tenant.pk}:{uuid.uuid4().hex}")
    except GatewayIdempotencyConflict as exc:  # a fresh key: only a broken gateway says so
        raise ValidationError({"number": str(exc)}) from None
    if not verified.succeeded:
        raise ValidationError({"number": f"The card wasn't added: the card issuer declined a $0.00 verification. "
                                         f"{verified.message}"})
    return card, holder, verified.reference


def _card_fields(card: TokenisedCard, holder_name: str, reference: str) -> dict[str, Any]:
    return {"kind": PaymentMethod.Kind.CARD, "brand": card.brand, "last4": card.last4, "exp_month": card.exp_month,
            "exp_year": card.exp_year, "holder_name": holder_name, "gateway_token": card.token,
            "card_fingerprint": card.fingerprint, "verification_reference": reference}


def _make_default(method: PaymentMethod) -> None:
    """`method` becomes the organisation's one default; the caller holds the transaction."""
    PaymentMethod.objects.filter(tenant=method.tenant, is_default=True).exclude(pk=method.pk).update(is_default=False)
    if not method.is_default:
        method.is_default = True
        method.save(update_fields=["is_default"])


def _snapshot(method: PaymentMethod) -> dict[str, Any]:
    return {"label": method.label, "expiration": method.expiration, "holder_name": method.holder_name}


def payment_method_add_card(*, tenant: Tenant, number: object, exp_month: Any, exp_year: Any, holder_name: object,
                            actor: User | None, cvc: str | None = "", nickname: object = "",
                            make_default: bool = False) -> PaymentMethod:
    """Adds a credit card once the gateway verified it. The number and CVC are passed to the gateway and forgotten.
    The organisation's first payment method is its default; `make_default` makes this one the default."""
    nickname = clean_nickname(nickname)
    card, holder_name, reference = _tokenise(tenant=tenant, number=number, exp_month=exp_month, exp_year=exp_year,
                                             cvc=cvc, holder_name=holder_name)
    with transaction.atomic(durable=True):
        method = PaymentMethod.objects.create(tenant=tenant, created_by=actor_fields(actor)["actor"], nickname=nickname,
                                              **_card_fields(card, holder_name, reference))
        if make_default or _is_first_other(method):
            _make_default(method)
        audit_record(tenant=tenant, actor=actor, action="payment_method.add", target=method, after=_snapshot(method))
    return method


def _is_first_other(method: PaymentMethod) -> bool:
    return not PaymentMethod.objects.filter(tenant=method.tenant, removed_at__isnull=True).exclude(pk=method.pk).exists()


def payment_method_add_invoice(*, tenant: Tenant, agreement_number: object, actor: User | None,
                               po_number: object = "") -> PaymentMethod:
    """Invoice payment against the tenant's Enterprise Agreement, with an optional purchase-order number."""
    check_invoice_payment(tenant=tenant, actor=actor, field="type")
    agreement = clean_text(agreement_number, field="agreement_number", max_length=40)
    po = clean_text(po_number, field="po_number", max_length=40)
    errors = {}
    if not agreement:
        errors["agreement_number"] = "Enter your Enterprise Agreement number."
    elif agreement.upper() != tenant.agreement_number.upper():
        errors["agreement_number"] = f"'{agreement}' isn't your organization's Enterprise Agreement number."
    if po and not _PO_RE.match(po):
        errors["po_number"] = "A PO number has up to 40 letters, digits, spaces and . / _ - characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        method = PaymentMethod.objects.create(tenant=tenant, kind=PaymentMethod.Kind.INVOICE,
                                              agreement_number=tenant.agreement_number, po_number=po,
                                              created_by=actor_fields(actor)["actor"])
        if _is_first_other(method):
            _make_default(method)
        audit_record(tenant=tenant, actor=actor, action="payment_method.add", target=method, after=_snapshot(method))
    return method


def _check_in_use(method: PaymentMethod) -> None:
    if method.removed_at is not None:
        raise ValidationError({"payment_method": "This payment method was already deleted."})


def payment_method_replace(*, payment_method: PaymentMethod, number: object, exp_month: Any, exp_year: Any,
                           holder_name: object, actor: User | None, cvc: str | None = "") -> PaymentMethod:
    """Replaces a method by a new card: auto-recharge moves to the new card, the old one is deleted."""
    _check_in_use(payment_method)
    tenant = payment_method.tenant
    card, holder_name, reference = _tokenise(tenant=tenant, number=number, exp_month=exp_month, exp_year=exp_year,
                                             cvc=cvc, holder_name=holder_name, replacing=payment_method)
    with transaction.atomic(durable=True):
        was_default = payment_method.is_default
        payment_method.removed_at = timezone.now()
        payment_method.is_default = False
        payment_method.save(update_fields=["removed_at", "is_default"])
        new = PaymentMethod.objects.create(tenant=tenant, created_by=actor_fields(actor)["actor"],
                                           nickname=payment_method.nickname, **_card_fields(card, holder_name, reference))
        if was_default:
            _make_default(new)
        AutoRechargeSettings.objects.filter(tenant=tenant, payment_method=payment_method).update(payment_method=new)
        audit_record(tenant=tenant, actor=actor, action="payment_method.replace", target=new,
                     before=_snapshot(payment_method), after=_snapshot(new))
    return new


def payment_method_remove(*, payment_method: PaymentMethod, actor: User | None, switch_to: PaymentMethod | None = None,
                          stop_auto_recharge: bool = False) -> PaymentMethod:
    """Deletes a payment method; past purchases keep its label. When it pays for auto-recharge that is on, the admin
    chooses: `switch_to` another usable payment method (auto-recharge goes on with it), or `stop_auto_recharge`
    (auto-recharge is turned off); neither is refused with why. A deleted default passes to the oldest method left."""
    _check_in_use(payment_method)
    tenant = payment_method.tenant
    if switch_to is not None and (switch_to.tenant_id != tenant.pk or switch_to.pk == payment_method.pk
                                  or switch_to.removed_at is not None or switch_to.is_expired()):
        raise ValidationError({"switch_to": "Choose another of your organization's payment methods that hasn't expired."})
    with transaction.atomic(durable=True):
        recharge = lock_objects.auto_recharge_settings_for_update(tenant=tenant)
        pays_recharges = recharge is not None and recharge.payment_method_id == payment_method.pk
        recharge_before = recharge_after = None
        if recharge is not None and pays_recharges and recharge.enabled:
            if switch_to is None and not stop_auto_recharge:
                raise ValidationError({"switch_to": f"{payment_method.label} pays for auto-recharge. Choose the payment "
                                                    "method auto-recharge uses from now on, or turn auto-recharge off."})
            recharge_before = {"enabled": True, "payment_method": payment_method.label}
            if switch_to is not None:
                recharge.payment_method = switch_to
            else:
                recharge.enabled, recharge.payment_method = False, None
            recharge.updated_by = actor
            recharge.save(update_fields=["enabled", "payment_method", "updated_by"])
            recharge_after = {"enabled": recharge.enabled,
                              "payment_method": switch_to.label if switch_to is not None else ""}
        elif recharge is not None and pays_recharges:
            recharge.payment_method = None
            recharge.save(update_fields=["payment_method"])
        was_default = payment_method.is_default
        payment_method.removed_at = timezone.now()
        payment_method.is_default = False
        payment_method.save(update_fields=["removed_at", "is_default"])
        if was_default:
            heir = PaymentMethod.objects.filter(tenant=tenant, removed_at__isnull=True).order_by("created_at", "id").first()
            if heir is not None:
                _make_default(heir)
        audit_record(tenant=tenant, actor=actor, action="payment_method.delete", target=payment_method,
                     before=_snapshot(payment_method))
        if recharge_before is not None:
            audit_record(tenant=tenant, actor=actor, action="auto_recharge.update", target=recharge,
                         before=recharge_before, after=recharge_after)
    return payment_method


def payment_method_update(*, payment_method: PaymentMethod, actor: User | None, nickname: object = None,
                          make_default: bool = False) -> PaymentMethod:
    """Renames a payment method (its nickname) and/or makes it the organisation's default."""
    _check_in_use(payment_method)
    before = {"nickname": payment_method.nickname, "default": payment_method.is_default}
    with transaction.atomic(durable=True):
        if nickname is not None:
            payment_method.nickname = clean_nickname(nickname)
            payment_method.save(update_fields=["nickname"])
        if make_default:
            _make_default(payment_method)
        audit_record(tenant=payment_method.tenant, actor=actor, action="payment_method.update", target=payment_method,
                     before=before, after={"nickname": payment_method.nickname, "default": payment_method.is_default})
    return payment_method
