"""Subscriptions: buying and removing licenses through the append-only quantity ledger."""
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Tenant
from accounts.services import actor_label, audit_record

from .. import lock_objects
from ..models import LicenseAssignment, Product, Subscription, SubscriptionQuantityChange
from ..selectors import COMMUNICATIONS_CREDITS

MAX_UNITS = 2_000_000_000  # fits the PositiveIntegerField on every database


def _locked_subscription(*, tenant: Tenant, product: Product) -> tuple[Subscription, bool]:
    """The tenant's subscription of `product`, locked; created (active, at list price) when it has none."""
    found = lock_objects.subscriptions_for_update(tenant=tenant, product_ids=[product.pk])
    if found:
        return found[0], False
    try:
        with transaction.atomic():
            today = timezone.localdate()
            subscription = Subscription.objects.create(tenant=tenant, product=product, price=product.list_price,
                                                       start_date=today, renewal_date=_one_year_after(today))
        return subscription, True
    except IntegrityError:
        # Another transaction created it between our read and our insert: take its row.
        return lock_objects.subscriptions_for_update(tenant=tenant, product_ids=[product.pk])[0], False


def _one_year_after(day: date) -> date:
    """Annual subscriptions renew a year after they start (28 February for a start on 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _ledger_append(*, subscription: Subscription, new_quantity: int, reason: str, idempotency_key: str,
                   actor: object) -> None:
    delta = new_quantity - subscription.enabled_units
    SubscriptionQuantityChange.objects.create(
        subscription=subscription, delta=delta, quantity_after=new_quantity, reason=reason,
        idempotency_key=idempotency_key, actor=getattr(actor, "audit_user", actor) if actor is not None else None,
        actor_label=actor_label(actor),
    )
    before = subscription.enabled_units
    subscription.enabled_units = new_quantity
    subscription.save(update_fields=["enabled_units"])
    audit_record(tenant=subscription.tenant, actor=actor, action=f"subscription.{reason}", target=subscription,
                 target_label=subscription.product.name,
                 before={"licenses": before}, after={"licenses": new_quantity, "delta": delta})


def _scoped_key(tenant: Tenant, key: str) -> str:
    return f"{tenant.pk}:{key}"[:128]


def _clean_quantity(quantity: object, *, field: str = "quantity", minimum: int = 1) -> int:
    text = str(quantity).strip() if isinstance(quantity, int | str) and not isinstance(quantity, bool) else ""
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValidationError({field: f"'{quantity}' is not a whole number of licenses."})
    value = int(text)
    if value < minimum or value > MAX_UNITS:
        raise ValidationError({field: f"Enter a whole number of licenses from {minimum} to {MAX_UNITS:,}."})
    return value


def subscription_ensure_communications_credits(*, tenant: Tenant, actor: object, quantity: int = 10_000_000) -> Subscription:
    """Gives `tenant` an active Communications Credits (MCOPSTNC) subscription with at least `quantity` licenses.

    Idempotent: the first call creates the subscription (ledger entry and audit row); later calls change
    nothing unless the subscription has fewer licenses or is not active. Runs inside the caller's
    transaction when there is one (funding calls it while it records a purchase).
    """
    quantity = _clean_quantity(quantity)
    product = Product.objects.get(sku_part_number=COMMUNICATIONS_CREDITS)
    with transaction.atomic():
        subscription, created = _locked_subscription(tenant=tenant, product=product)
        if created:
            audit_record(tenant=tenant, actor=actor, action="subscription.create", target=subscription,
                         target_label=product.name, after={"product": product.sku_part_number})
        if subscription.status != Subscription.Status.ACTIVE:
            before = subscription.status
            subscription.status = Subscription.Status.ACTIVE
            subscription.save(update_fields=["status"])
            audit_record(tenant=tenant, actor=actor, action="subscription.activate", target=subscription,
                         target_label=product.name, before={"status": before}, after={"status": subscription.status})
        if subscription.enabled_units < quantity:
            _ledger_append(subscription=subscription, new_quantity=quantity, reason="buy", actor=actor,
                           idempotency_key=_scoped_key(
                               tenant, f"credits-ensure:{subscription.pk}:{subscription.enabled_units}->{quantity}"))
    return subscription


def subscription_buy(*, tenant: Tenant, product: Product, quantity: object, actor: object,
                     idempotency_key: str) -> Subscription:
    """Adds `quantity` licenses of `product` (creating the subscription at list price on the first purchase).

    A repeated `idempotency_key` returns the subscription as the first call left it and buys nothing.
    """
    quantity = _clean_quantity(quantity)
    key = _scoped_key(tenant, f"buy:{idempotency_key}")
    with transaction.atomic():
        subscription, created = _locked_subscription(tenant=tenant, product=product)
        if SubscriptionQuantityChange.objects.filter(idempotency_key=key).exists():
            return subscription
        if subscription.enabled_units + quantity > MAX_UNITS:
            raise ValidationError({"quantity": f"A subscription holds at most {MAX_UNITS:,} licenses."})
        if created:
            audit_record(tenant=tenant, actor=actor, action="subscription.create", target=subscription,
                         target_label=product.name, after={"product": product.sku_part_number})
        _ledger_append(subscription=subscription, new_quantity=subscription.enabled_units + quantity, reason="buy",
                       idempotency_key=key, actor=actor)
    return subscription


def subscription_remove_licenses(*, subscription: Subscription, new_quantity: object, actor: object,
                                 idempotency_key: str) -> Subscription:
    """Lowers the subscription's licenses to `new_quantity`; never below the licenses assigned."""
    new_quantity = _clean_quantity(new_quantity, field="new_quantity", minimum=0)
    tenant = subscription.tenant
    key = _scoped_key(tenant, f"remove:{idempotency_key}")
    with transaction.atomic():
        subscription = lock_objects.subscriptions_for_update(tenant=tenant, product_ids=[subscription.product_id])[0]
        if SubscriptionQuantityChange.objects.filter(idempotency_key=key).exists():
            return subscription
        total = subscription.enabled_units
        if new_quantity >= total:
            raise ValidationError({"new_quantity": f"Enter a number lower than the {total:,} licenses you have now."})
        assigned = (LicenseAssignment.objects.filter(tenant=tenant, product_id=subscription.product_id)
                    .aggregate(n=Count("id"))["n"])
        if new_quantity + subscription.warning_units < assigned:
            raise ValidationError({"new_quantity": (
                f"{assigned:,} licenses of {subscription.product.name} are assigned. Unassign licenses before "
                f"you remove them, or keep at least {assigned - subscription.warning_units:,}.")})
        _ledger_append(subscription=subscription, new_quantity=new_quantity, reason="remove", idempotency_key=key,
                       actor=actor)
    return subscription
