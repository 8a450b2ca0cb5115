"""The Communications Credits dashboard: balance over time, daily spend, and the forecast at the current burn rate.

All figures come from the credits ledger (billing.LedgerEntry); spend by country and by user joins the
charges to their call records by call id.
"""
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User
from billing.credits.models import CreditAccount, LedgerEntry
from billing.credits.selectors import credits_balance
from billing.rating.models import CallRecord
from core.money import ZERO
from core.validation import country_name

BURN_RATE_DAYS = 28


@dataclass(frozen=True)
class DailySpend:
    day: object
    calls: Decimal
    toll_free: Decimal

    @property
    def total(self):
        return self.calls + self.toll_free


@dataclass(frozen=True)
class Forecast:
    """Days until the available balance reaches the trigger and zero if it keeps falling at the burn rate.

    burn rate = call and toll-free charges of the BURN_RATE_DAYS days up to now / BURN_RATE_DAYS.
    days until X = (available − X) / burn rate, rounded down; None when nothing was spent in that window.
    """

    available: Decimal
    spent: Decimal  # in the burn-rate window
    window_days: int
    trigger: Decimal | None  # None when auto-recharge is off
    today: object

    @property
    def burn_rate(self):
        return (self.spent / self.window_days).quantize(Decimal("0.01"))

    def _days_until(self, level):
        if not self.spent:
            return None
        exact = (self.available - level) * self.window_days / self.spent
        return max(int(exact.to_integral_value(rounding=ROUND_DOWN)), 0)

    @property
    def days_until_trigger(self):
        return None if self.trigger is None else self._days_until(self.trigger)

    @property
    def days_until_zero(self):
        return self._days_until(ZERO)

    @property
    def trigger_date(self):
        days = self.days_until_trigger
        return None if days is None else self.today + timedelta(days=days)  # type: ignore[operator]

    @property
    def zero_date(self):
        days = self.days_until_zero
        return None if days is None else self.today + timedelta(days=days)  # type: ignore[operator]


def _entries(tenant):
    return LedgerEntry.objects.filter(account__tenant=tenant).order_by()


def balance_by_day(*, tenant, period):
    """[(day, balance at the end of that day)] for every day of `period` (two queries).

    The balance at a day's end is the sum of every entry before midnight. It is worked back from the balance
    now (the account's cached sum of the ledger, which check_ledger proves) less what was entered since, so
    that entries written out of time order (imports, back-dated history) still land on their own day.
    """
    balance = (CreditAccount.objects.filter(tenant=tenant).values_list("balance", flat=True).first()) or ZERO
    since = dict(_entries(tenant).filter(created_at__gte=period.start_at).annotate(day=TruncDate("created_at"))
                 .values("day").annotate(total=Sum("amount")).values_list("day", "total"))
    later = sum((total for day, total in since.items() if day > period.last_day), ZERO)
    closing = balance - later
    series = []
    for day in reversed(period.each_day()):
        series.append((day, closing.quantize(ZERO)))
        closing -= since.get(day, ZERO)
    return series[::-1]


def spend_by_day(*, tenant, period):
    """[DailySpend] for every day of `period`: call charges and toll-free charges, as positive amounts (one query)."""
    rows = (_entries(tenant).filter(kind__in=LedgerEntry.CHARGE_KINDS, created_at__gte=period.start_at,
                                    created_at__lt=period.end_at)
            .annotate(day=TruncDate("created_at")).values("day")
            .annotate(calls=Sum("amount", filter=Q(kind=LedgerEntry.Kind.CALL_CHARGE)),
                      toll_free=Sum("amount", filter=Q(kind=LedgerEntry.Kind.TOLL_FREE_CHARGE))))
    by_day = {row["day"]: row for row in rows}
    series = []
    for day in period.each_day():
        row = by_day.get(day, {})
        series.append(DailySpend(day=day, calls=-(row.get("calls") or ZERO).quantize(ZERO),
                                 toll_free=-(row.get("toll_free") or ZERO).quantize(ZERO)))
    return series


def credits_forecast(*, tenant, now):
    """The forecast at the burn rate of the last BURN_RATE_DAYS days (two queries)."""
    today = now.date()
    balance = credits_balance(tenant=tenant, now=now)
    window_start = now - timedelta(days=BURN_RATE_DAYS)
    spent = (_entries(tenant).filter(kind__in=LedgerEntry.CHARGE_KINDS, created_at__gt=window_start, created_at__lte=now)
             .aggregate(total=Sum("amount"))["total"]) or ZERO
    trigger = balance.trigger_amount if balance.auto_recharge_enabled and not balance.auto_recharge_paused else None
    return Forecast(available=balance.available, spent=-spent.quantize(ZERO), window_days=BURN_RATE_DAYS, trigger=trigger,
                    today=today)


TOP = 10


@dataclass(frozen=True)
class SpendShare:
    key: str
    label: str
    amount: Decimal
    calls: int


def _charges_by(tenant, period, field):
    """Charges in `period` grouped by a field of the call record each one paid for, largest first (one query).

    Ledger charges are the truth of what was spent; the call record only says where and who. A charge whose
    call record is missing is grouped under "".
    """
    record = CallRecord.objects.filter(tenant=tenant, call_id=OuterRef("call_id")).values(field)[:1]
    rows = (_entries(tenant).filter(kind__in=LedgerEntry.CHARGE_KINDS, created_at__gte=period.start_at,
                                    created_at__lt=period.end_at)
            .annotate(key=Coalesce(Subquery(record), Value("")))
            .values("key").annotate(spent=Sum("amount"), calls=Count("id")).order_by("spent", "key"))
    # Charges are negative, so ascending order puts the largest spend first; SQLite sums them as floats.
    return [(row["key"], -row["spent"].quantize(ZERO), row["calls"]) for row in rows]


def _top(rows, label_of, others_label):
    shares = [SpendShare(key=key, label=label_of(key), amount=amount, calls=calls) for key, amount, calls in rows[:TOP]]
    rest = rows[TOP:]
    if rest:
        shares.append(SpendShare(key="", label=others_label, amount=sum((r[1] for r in rest), ZERO),
                                 calls=sum(r[2] for r in rest)))
    return shares


def spend_by_country(*, tenant, period):
    """Credits spent in `period` by destination country (the call's "To country or region"): the ten largest,
    then the rest together (one query)."""
    return _top(_charges_by(tenant, period, "callee_country"), lambda code: country_name(code) or "Unknown",
                "Other countries")


def spend_by_user(*, tenant, period):
    """Credits spent in `period` by user (username of the call record): the ten largest, then the rest (two queries)."""
    rows = _charges_by(tenant, period, "user_principal_name")
    names = dict(User.objects.filter(tenant=tenant, upn__in=[key for key, _, _ in rows[:TOP] if key])
                 .values_list("upn", "display_name"))
    return _top(rows, lambda upn: names.get(upn, upn) if upn else "No user (service numbers)", "Other users")
