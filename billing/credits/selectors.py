"""Reads of Communications Credits shared by pages, the API, Home, rating and the recharge engine."""
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Tenant
from core.money import CENT, ZERO

from .models import AutoRechargeSettings, LedgerEntry, Lot, PaymentMethod, RecommendedFunding, Reservation
from .models.ledger import LedgerQuerySet
from .rules import purchase_refusal

# A charge is entered when its call ends, or when the platform's import of it arrives (the next night, or later);
# never before the call started, give or take the two clocks. Bounds the ledger read of calls_charged.
CHARGED_BEFORE_START = datetime.timedelta(days=1)


def calls_charged(*, tenant: Tenant, start: datetime.datetime, end: datetime.datetime) -> QuerySet[LedgerEntry]:
    """The call and toll-free charges of calls that started in [start, end), annotated `started_at`: the ledger's
    amounts on the days of the PSTN usage report (its Time stamp, UTC), whenever each was charged. A charge whose
    call record is gone (a retired month) or never was counts when it was charged. Unordered."""
    from billing.rating.models import CallRecord  # rating reads credits: imported here, not at the module's top

    records = CallRecord.objects.filter(tenant=tenant, call_id=OuterRef("call_id"))
    # Bounded by the range, the lookup opens only its months' partitions, not every month's.
    started = records.filter(start_at__gte=start, start_at__lt=end).values("start_at")[:1]
    return (LedgerEntry.objects.filter(account__tenant=tenant, kind__in=LedgerEntry.CHARGE_KINDS,
                                       created_at__gte=start - CHARGED_BEFORE_START)
            .annotate(record_start=Subquery(started))
            .filter(Q(record_start__isnull=False)
                    | Q(created_at__gte=start, created_at__lt=end) & ~Exists(records))
            .annotate(started_at=Coalesce("record_start", "created_at")).order_by())


@dataclass(frozen=True)
class CreditsBalance:
    """What the balance is and what auto-recharge should do about it, read in one query."""

    currency: str
    balance: Decimal  # the ledger's sum
    reserved: Decimal  # held for calls in progress
    expiring_now: Decimal  # in lots past their expiry that the daily task has not forfeited yet
    funded: bool  # the tenant has bought credits at least once
    auto_recharge_enabled: bool
    auto_recharge_paused: bool
    trigger_amount: Decimal | None
    recharge_amount: Decimal | None
    payment_method_id: object  # UUID of the auto-recharge payment method, or None

    @property
    def available(self) -> Decimal:
        """What calls may still spend: the balance less reservations and funds due to expire, never below zero."""
        return max(self.balance - self.reserved - self.expiring_now, ZERO)

    @property
    def below_trigger(self) -> bool:
        return self.trigger_amount is not None and self.available < self.trigger_amount

    @property
    def recharge_due(self) -> bool:
        """Auto-recharge is on, not paused, and the available balance is below the trigger."""
        return self.auto_recharge_enabled and not self.auto_recharge_paused and self.below_trigger

    @property
    def status(self) -> str:
        if not self.funded and not self.balance:
            return "Not set up"
        return "Active" if self.available > 0 else "Balance is zero"


def _sum(queryset: QuerySet[Any], field: str) -> Coalesce:
    total = queryset.values("account").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=DecimalField()), Value(ZERO), output_field=DecimalField())


def credits_balance(*, tenant: Tenant, now: datetime.datetime | None = None) -> CreditsBalance:
    """The tenant's balance, reservations and auto-recharge settings: one query, no locks, no writes."""
    now = now or timezone.now()
    row = (
        Tenant.objects.filter(pk=tenant.pk)
        .annotate(
            balance=Coalesce("credit_account__balance", Value(ZERO), output_field=DecimalField()),
            reserved=_sum(Reservation.objects.filter(account=OuterRef("credit_account"), status=Reservation.Status.HELD,
                                                     expires_at__gt=now), "amount"),
            expiring_now=_sum(Lot.objects.filter(account=OuterRef("credit_account"), funded=True, expires_at__lte=now),
                              "remaining"),
            funded=Coalesce(Subquery(LedgerEntry.objects.filter(account=OuterRef("credit_account"),
                                                                kind__in=LedgerEntry.CREDIT_KINDS).values("id")[:1]),
                            Value(0)),
        )
        .values("currency", "balance", "reserved", "expiring_now", "funded", "auto_recharge__enabled",
                "auto_recharge__paused", "auto_recharge__trigger_amount", "auto_recharge__recharge_amount",
                "auto_recharge__payment_method")
        .get()
    )
    # Sums come back from SQLite as floats turned Decimal: quantize them to cents.
    return CreditsBalance(
        currency=row["currency"], balance=row["balance"].quantize(CENT), reserved=row["reserved"].quantize(CENT),
        expiring_now=row["expiring_now"].quantize(CENT),
        funded=bool(row["funded"]), auto_recharge_enabled=bool(row["auto_recharge__enabled"]),
        auto_recharge_paused=bool(row["auto_recharge__paused"]),
        trigger_amount=row["auto_recharge__trigger_amount"], recharge_amount=row["auto_recharge__recharge_amount"],
        payment_method_id=row["auto_recharge__payment_method"],
    )


def auto_recharge_settings(*, tenant: Tenant) -> AutoRechargeSettings:
    """The stored settings (unsaved defaults when the tenant never saved any), with their payment method."""
    found = AutoRechargeSettings.objects.select_related("payment_method").filter(tenant=tenant).first()
    return found or AutoRechargeSettings(tenant=tenant)


def credits_lots(*, tenant: Tenant) -> QuerySet[Lot]:
    """Every lot of the tenant, newest purchase first, with `forfeited`: what its expiry took (0 when none)."""
    expired = (LedgerEntry.objects.filter(lot=OuterRef("pk"), kind=LedgerEntry.Kind.EXPIRY).values("lot")
               .annotate(total=Sum("amount")).values("total"))
    return (Lot.objects.filter(account__tenant=tenant)
            .annotate(forfeited=Coalesce(-Subquery(expired, output_field=DecimalField()), Value(ZERO),
                                         output_field=DecimalField()))
            .order_by("-purchased_at", "-id"))


def credits_transactions(*, tenant: Tenant) -> "LedgerQuerySet[LedgerEntry]":
    """Ledger entries of the tenant, newest first (billing/credits/filters.py narrows them for the list's filters)."""
    return LedgerEntry.objects.filter(account__tenant=tenant).order_by("-id")


def payment_methods_in_use(*, tenant: Tenant) -> QuerySet[PaymentMethod]:
    """The tenant's payment methods in use, the default first."""
    return PaymentMethod.objects.filter(tenant=tenant, removed_at__isnull=True).order_by("-is_default", "created_at", "id")


def payment_method_for(*, tenant: Tenant, method_id: Any) -> PaymentMethod | None:
    """The tenant's payment method with this id, or None (another tenant's id, a deleted method, not a UUID)."""
    try:
        return payment_methods_in_use(tenant=tenant).filter(pk=method_id).first()
    except (ValidationError, ValueError, TypeError):
        return None


def recommended_funding(*, licensed_users: int) -> RecommendedFunding | None:
    """The PRODUCT.md recommendation row for an organisation with `licensed_users` licensed users."""
    rows = RecommendedFunding.objects.filter(min_users__lte=licensed_users).order_by("-min_users")
    for row in rows:
        if row.max_users is None or licensed_users <= row.max_users:
            return row
    return None


def credits_purchase_refusal(*, tenant: Tenant) -> str | None:
    """Why the tenant can't buy credits (the product's own words), or None."""
    return purchase_refusal(tenant)
