"""Reads of the auto-recharge engine shared by its services, the sweep and the Communications Credits page."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings as django_settings
from django.db.models import DecimalField, Exists, F, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import Tenant
from billing.credits.advice import Advice, AdviceInputs, FundingRow, recharge_advice
from billing.credits.forecast import CreditsForecast, burn_window, credits_forecast_replay
from billing.credits.models import (
    AutoRechargeSettings,
    CreditAccount,
    LedgerEntry,
    Lot,
    Purchase,
    RechargeAttempt,
    Reservation,
)
from billing.credits.recharge.policy import RechargePolicy
from billing.credits.recharge.rule import month_start, next_month_start
from billing.credits.replay import StartingLot
from billing.credits.rules import limits
from billing.credits.selectors import (
    _sum,  # the same per-account sum credits_balance uses
    calls_charged,
    recommended_funding,
)
from core.money import CENT, ZERO, MoneySum, money_sum
from licensing.selectors import licensed_user_count

Status = RechargeAttempt.Status
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ONE_DAY = timedelta(days=1)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def waiting_after_failure(*, now: datetime) -> QuerySet[RechargeAttempt]:
    """Failed attempts whose retry time is still ahead. Saving the settings (or a success) resets the count of
    failures, and with it the wait, so they hold a tenant back only while `consecutive_failures > 0`."""
    return RechargeAttempt.objects.filter(status=Status.FAILED, retry_at__gt=now)


def recharge_candidates(*, now: datetime) -> list[UUID]:
    """Tenant ids whose auto-recharge is on, not paused (by failures or the monthly cap), below its trigger, without a
    pending attempt and not waiting after a failure, in one query (recharge_start checks each again under the
    settings lock)."""
    account = OuterRef("tenant__credit_account")
    return list(
        AutoRechargeSettings.objects.filter(enabled=True, paused=False)
        .exclude(cap_paused_until__gt=now)
        .annotate(
            balance=Coalesce("tenant__credit_account__balance", Value(0, output_field=MONEY_FIELD), output_field=MONEY_FIELD),
            reserved=_sum(Reservation.objects.filter(account=account, status=Reservation.Status.HELD,
                                                     expires_at__gt=now), "amount"),
            expiring=_sum(Lot.objects.filter(account=account, funded=True, expires_at__lte=now), "remaining"),
        )
        .alias(available=F("balance") - F("reserved") - F("expiring"))
        .filter(available__lt=F("trigger_amount"))
        .exclude(Exists(RechargeAttempt.objects.filter(tenant=OuterRef("tenant"), status=Status.PENDING)))
        .exclude(Q(consecutive_failures__gt=0) & Exists(waiting_after_failure(now=now).filter(tenant=OuterRef("tenant"))))
        .order_by("tenant_id").values_list("tenant_id", flat=True)
    )


def stale_recharge_ids(*, now: datetime, policy: RechargePolicy) -> list[int]:
    """Pending attempts whose worker was lost: claimed longer ago than the lease, or never claimed."""
    return list(
        RechargeAttempt.objects.filter(status=Status.PENDING)
        .filter(Q(claimed_at__lt=now - policy.lease)
                | Q(claimed_at__isnull=True, created_at__lt=now - policy.unclaimed_after))
        .order_by("id").values_list("id", flat=True)
    )


def recharge_history(*, tenant: Tenant, limit: int = 10) -> list[RechargeAttempt]:
    """The tenant's latest attempts with their invoices, newest first (the Communications Credits page)."""
    return list(RechargeAttempt.objects.filter(tenant=tenant).select_related("invoice").order_by("-created_at", "-id")
                [:limit])


def recharge_spent_in_month(*, tenant: Tenant, now: datetime) -> Decimal:
    """What auto-recharge charged the tenant in the UTC calendar month of `now`: the monthly cap's count."""
    purchases = Purchase.objects.filter(tenant=tenant, kind=LedgerEntry.Kind.RECHARGE, created_at__gte=month_start(now),
                                        created_at__lt=next_month_start(now))
    return money_sum(purchases, "amount")


def _daily_burn(account_id: int, first_day: date, last_day: date) -> dict[date, Decimal]:
    """{day: charges} of the account's whole UTC days first_day..last_day (one query)."""
    rows = (LedgerEntry.objects.filter(account_id=account_id, kind__in=LedgerEntry.CHARGE_KINDS,
                                       created_at__gte=day_start(first_day), created_at__lt=day_start(last_day + ONE_DAY))
            .annotate(day=TruncDate("created_at")).values("day").annotate(spent=MoneySum("amount")).order_by())
    return {row["day"]: -row["spent"] for row in rows}


def recharge_advice_for(*, tenant: Tenant, now: datetime, cover_days: int) -> Advice:
    """The recharge advisor's answer for the tenant (billing/credits/advice.py) from its last whole days of usage
    (CREDITS_ADVICE_HISTORY_DAYS, 90; fewer when the tenant is newer), its lots and its settings: six queries."""
    history_days = django_settings.CREDITS_ADVICE_HISTORY_DAYS
    today = now.astimezone(UTC).date()
    account = CreditAccount.objects.filter(tenant=tenant).values("id", "balance").first()
    burn: tuple[Decimal, ...] = ()
    lots: tuple[StartingLot, ...] = ()
    if account is not None:
        first_entry = LedgerEntry.objects.filter(account_id=account["id"]).aggregate(first=Min("created_at"))["first"]
        first_day = max(today - timedelta(days=history_days), first_entry.astimezone(UTC).date()) if first_entry else today
        by_day = _daily_burn(account["id"], first_day, today - ONE_DAY) if first_day < today else {}
        burn = tuple(by_day.get(first_day + timedelta(days=n), ZERO) for n in range((today - first_day).days))
        lots = tuple(StartingLot(remaining=remaining.quantize(CENT), expires_at=expires) for remaining, expires in
                     Lot.objects.filter(account_id=account["id"], funded=True).order_by("purchased_at", "id")
                     .values_list("remaining", "expires_at"))
    settings = AutoRechargeSettings.objects.filter(tenant=tenant).first()
    rule = settings.rule if settings is not None and not settings.paused else None
    users = licensed_user_count(tenant=tenant)
    row = recommended_funding(licensed_users=users)
    funding = FundingRow(users_label=row.users_label, one_time=row.one_time_card, trigger=row.trigger_amount,
                         recharge=row.recharge_amount) if row is not None else None
    rules = limits()
    return recharge_advice(AdviceInputs(
        now=now, burn=burn, lots=lots, available=sum((lot.remaining for lot in lots if lot.expires_at > now), ZERO),
        current_rule=rule,
        spent_this_month=recharge_spent_in_month(tenant=tenant, now=now) if rule and rule.monthly_cap else ZERO,
        cover_days=cover_days, minimum_amount=rules.minimum_auto_recharge, minimum_purchase=rules.minimum_purchase,
        maximum_amount=rules.maximum_amount,
        minimum_history_days=django_settings.CREDITS_ADVICE_MINIMUM_HISTORY_DAYS,
        funding=funding, licensed_users=users))


def credits_forecast_for(*, tenant: Tenant, now: datetime) -> CreditsForecast:
    """The credits forecast (billing/credits/forecast.py) of the tenant: its lots held now, the charges of the calls
    that started in the last 28 days (today included; the same amount as PSTN usage's charges of those days) and its
    auto-recharge settings, replayed for a year. Four queries at most."""
    held = list(Lot.objects.filter(account__tenant=tenant, funded=True, expires_at__gt=now)
                .order_by("purchased_at", "id").values_list("remaining", "expires_at", "purchased_at", "id"))
    start, end = burn_window(now.astimezone(UTC).date())
    spent = -money_sum(calls_charged(tenant=tenant, start=start, end=end), "amount")
    settings = AutoRechargeSettings.objects.filter(tenant=tenant).first()
    rule = settings.rule if settings is not None and not settings.paused and not settings.cap_paused(now) else None
    return credits_forecast_replay(
        now=now, lots=[StartingLot(remaining=remaining.quantize(CENT), expires_at=expires)
                       for remaining, expires, _, _ in held],
        purchased=[row[2] for row in held], lot_ids=[row[3] for row in held], spent=spent.quantize(CENT), rule=rule,
        spent_this_month=recharge_spent_in_month(tenant=tenant, now=now) if rule and rule.monthly_cap else ZERO)
