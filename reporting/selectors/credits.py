"""The Communications Credits dashboard: balance over time, daily spend, and the forecast at the current burn rate
(a replay of the lots with their expiry and auto-recharge, billing/credits/forecast.py).

All figures come from the credits ledger (billing.LedgerEntry). The balance moves on the day an entry was written;
spending is dated like PSTN usage, by the day its call started (UTC; `billing.credits.selectors.calls_charged`), so
"Last 28 days" is the same calls and the same amount on both pages even though an imported day's calls are charged
the next night. Spend by country and by user joins the charges to their call records by call id.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import Tenant, User
from billing.credits.forecast import CreditsForecast
from billing.credits.models import CreditAccount, LedgerEntry
from billing.credits.recharge.selectors import credits_forecast_for
from billing.credits.selectors import calls_charged
from billing.rating.models import CallRecord
from core.money import ZERO as ZERO  # re-exported: the dashboard view imports it from here
from core.money import MoneySum
from core.validation import country_name

from ..periods import DateRange


@dataclass(frozen=True)
class DailySpend:
    day: date
    calls: Decimal
    toll_free: Decimal

    @property
    def total(self) -> Decimal:
        return self.calls + self.toll_free


def _entries(tenant: Tenant) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(account__tenant=tenant).order_by()


def balance_by_day(*, tenant: Tenant, period: DateRange) -> list[tuple[date, Decimal]]:
    """[(day, balance at the end of that day)] for every day of `period` (two queries).

    The balance at a day's end is the sum of every entry before midnight. It is worked back from the balance
    now (the account's cached sum of the ledger, which check_ledger proves) less what was entered since, so
    that entries written out of time order (imports, back-dated history) still land on their own day.
    """
    balance = (CreditAccount.objects.filter(tenant=tenant).values_list("balance", flat=True).first()) or ZERO
    since = dict(_entries(tenant).filter(created_at__gte=period.start_at).annotate(day=TruncDate("created_at"))
                 .values("day").annotate(total=MoneySum("amount")).values_list("day", "total"))
    later = sum((total for day, total in since.items() if day > period.last_day), ZERO)
    closing = balance - later
    series: list[tuple[date, Decimal]] = []
    for day in reversed(period.each_day()):
        series.append((day, closing.quantize(ZERO)))
        closing -= since.get(day, ZERO)
    return series[::-1]


def spend_by_day(*, tenant: Tenant, period: DateRange) -> list[DailySpend]:
    """[DailySpend] for every day of `period`: charges of the calls and toll-free calls that started that day, as
    positive amounts (one query)."""
    rows = (calls_charged(tenant=tenant, start=period.start_at, end=period.end_at)
            .annotate(day=TruncDate("started_at", tzinfo=UTC)).values("day")
            .annotate(calls=MoneySum("amount", filter=Q(kind=LedgerEntry.Kind.CALL_CHARGE)),
                      toll_free=MoneySum("amount", filter=Q(kind=LedgerEntry.Kind.TOLL_FREE_CHARGE))))
    by_day = {row["day"]: row for row in rows}
    series: list[DailySpend] = []
    for day in period.each_day():
        row: Mapping[str, Any] = by_day.get(day, {})
        series.append(DailySpend(day=day, calls=-(row.get("calls") or ZERO).quantize(ZERO),
                                 toll_free=-(row.get("toll_free") or ZERO).quantize(ZERO)))
    return series


def credits_forecast(*, tenant: Tenant, now: datetime) -> CreditsForecast:
    """The forecast: the lots replayed at the burn of the last 28 days, with their expiry and auto-recharge
    (billing/credits/forecast.py; four queries)."""
    return credits_forecast_for(tenant=tenant, now=now)


TOP = 10


@dataclass(frozen=True)
class SpendShare:
    key: str
    label: str
    amount: Decimal
    calls: int


def _charges_by(tenant: Tenant, period: DateRange, field: str) -> list[tuple[str, Decimal, int]]:
    """Charges of the calls that started in `period` grouped by a field of each one's call record, largest first
    (one query).

    Ledger charges are the truth of what was spent; the call record only says where and who. A charge whose
    call record is missing is grouped under "".
    """
    record = CallRecord.objects.filter(tenant=tenant, call_id=OuterRef("call_id")).values(field)[:1]
    rows = (calls_charged(tenant=tenant, start=period.start_at, end=period.end_at)
            .annotate(key=Coalesce(Subquery(record), Value("")))
            .values("key").annotate(spent=MoneySum("amount"), calls=Count("id")).order_by("spent", "key"))
    # Charges are negative, so ascending order puts the largest spend first; SQLite sums them as floats.
    return [(row["key"], -row["spent"].quantize(ZERO), row["calls"]) for row in rows]


def _top(rows: list[tuple[str, Decimal, int]], label_of: Callable[[str], str], others_label: str) -> list[SpendShare]:
    shares = [SpendShare(key=key, label=label_of(key), amount=amount, calls=calls) for key, amount, calls in rows[:TOP]]
    rest = rows[TOP:]
    if rest:
        shares.append(SpendShare(key="", label=others_label, amount=sum((r[1] for r in rest), ZERO),
                                 calls=sum(r[2] for r in rest)))
    return shares


def spend_by_country(*, tenant: Tenant, period: DateRange) -> list[SpendShare]:
    """Credits spent in `period` by destination country (the call's "To country or region"): the ten largest,
    then the rest together (one query)."""
    return _top(_charges_by(tenant, period, "callee_country"), lambda code: country_name(code) or "Unknown",
                "Other countries")


def spend_by_user(*, tenant: Tenant, period: DateRange) -> list[SpendShare]:
    """Credits spent in `period` by user (username of the call record): the ten largest, then the rest (two queries)."""
    rows = _charges_by(tenant, period, "user_principal_name")
    names = dict(User.objects.filter(tenant=tenant, upn__in=[key for key, _, _ in rows[:TOP] if key])
                 .values_list("upn", "display_name"))
    return _top(rows, lambda upn: names.get(upn, upn) if upn else "No user (service numbers)", "Other users")
