"""Spend by department (or office, usage location, job title): what Communications Credits paid for calls, grouped by
an attribute of the user who made them, per calendar month (UTC) of the call; then one group's users, then one
user's calls. Amounts are the call records' charges, whose sum is the ledger's call debits; the attribute is the
user's as the directory says now. Each level is one query whatever the number of calls.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from accounts.models import Tenant, User
from billing.rating.models import CallRecord
from core.money import ZERO, MoneySum
from core.validation import country_name

from ..periods import DateRange

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a development dependency: for annotations only

# ?by= -> (label, User field, label of users without a value)
GROUPINGS = {
    "department": ("Department", "department", "No department"),
    "office": ("Office", "office_location", "No office"),
    "usage_location": ("Usage location", "usage_location", "No usage location"),
    "job_title": ("Job title", "job_title", "No job title"),
}
BLANK = "~blank"  # users whose attribute is empty
SERVICE = "~service"  # calls no user made: toll-free and other service numbers, deleted users


@dataclass(frozen=True)
class SpendRow:
    key: str
    label: str
    months: tuple[Decimal, ...]  # Decimal per month of the table
    total: Decimal
    calls: int
    user_id: object = None
    upn: str = ""

    @property
    def drillable(self) -> bool:
        return self.key != SERVICE


@dataclass(frozen=True)
class SpendTable:
    by: str
    months: tuple[date, ...]  # first day of each calendar month of the period
    rows: tuple[SpendRow, ...]
    totals: tuple[Decimal, ...]
    total: Decimal
    calls: int

    @property
    def label(self) -> str:
        return GROUPINGS[self.by][0]


class _Month(TypedDict):
    month: date  # the calendar month (UTC) of the call


def months_of(period: DateRange) -> tuple[date, ...]:
    first, last = period.first_day.replace(day=1), period.last_day.replace(day=1)
    found = []
    while first <= last:
        found.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return tuple(found)


def _charged(tenant: Tenant, period: DateRange) -> "QuerySet[WithAnnotations[CallRecord, _Month]]":
    return (CallRecord.objects.filter(tenant=tenant, start_at__gte=period.start_at, start_at__lt=period.end_at,
                                      charge__gt=0)
            .annotate(month=TruncMonth("start_at", tzinfo=UTC)).order_by())


def _month(value: Any) -> date:
    day: date = value.date() if hasattr(value, "date") else value
    return day


def group_label(by: str, key: str) -> str:
    if key == SERVICE:
        return "No user (service numbers)"
    if key == BLANK:
        return GROUPINGS[by][2]
    return (country_name(key) or key) if by == "usage_location" else key


def _table(by: str, months: tuple[date, ...], found: dict[Any, tuple[dict[date, Decimal], int]],
           make_row: Callable[[Any, tuple[Decimal, ...], Decimal, int], SpendRow]) -> SpendTable:
    """found: {row key: ({month: Decimal}, calls)} -> SpendTable, largest total first."""
    rows = []
    for key, (by_month, calls) in found.items():
        amounts = tuple(by_month.get(month, ZERO) for month in months)
        rows.append(make_row(key, amounts, sum(amounts, ZERO), calls))
    rows.sort(key=lambda row: (-row.total, row.label.lower()))
    totals = tuple(sum((row.months[i] for row in rows), ZERO) for i in range(len(months)))
    return SpendTable(by=by, months=months, rows=tuple(rows), totals=totals, total=sum(totals, ZERO),
                      calls=sum(row.calls for row in rows))


def spend_by_group(*, tenant: Tenant, period: DateRange, by: str) -> SpendTable:
    """SpendTable of the groups of `by` (a GROUPINGS key) in `period` (reporting.periods.DateRange): one query."""
    field = f"user__{GROUPINGS[by][1]}"
    months = months_of(period)
    found: dict[str, tuple[dict[date, Decimal], list[int]]] = {}
    for row in _charged(tenant, period).values("month", field).annotate(spent=MoneySum("charge"), calls=Count("id")):
        value = row[field]
        key = SERVICE if value is None else (value or BLANK)
        by_month, calls = found.setdefault(key, ({}, [0]))
        month = _month(row["month"])
        by_month[month] = by_month.get(month, ZERO) + row["spent"]
        calls[0] += row["calls"]
    return _table(by, months, {key: (by_month, calls[0]) for key, (by_month, calls) in found.items()},
                  lambda key, amounts, total, calls: SpendRow(key, group_label(by, key), amounts, total, calls))


def group_filter(by: str, key: str) -> dict[str, Any]:
    """The call records of one group's users."""
    field = f"user__{GROUPINGS[by][1]}"
    if key == SERVICE:
        return {"user__isnull": True}
    return {field: "" if key == BLANK else key}


def spend_by_user(*, tenant: Tenant, period: DateRange, by: str, key: str) -> SpendTable:
    """SpendTable of the users of one group: one query."""
    months = months_of(period)
    found: dict[object, tuple[dict[date, Decimal], list[int]]] = {}
    names: dict[object, tuple[str, str]] = {}
    rows = (_charged(tenant, period).filter(**group_filter(by, key))
            .values("month", "user_id", "user__display_name", "user__upn")
            .annotate(spent=MoneySum("charge"), calls=Count("id")))
    for row in rows:
        by_month, calls = found.setdefault(row["user_id"], ({}, [0]))
        month = _month(row["month"])
        by_month[month] = by_month.get(month, ZERO) + row["spent"]
        calls[0] += row["calls"]
        names[row["user_id"]] = (row["user__display_name"], row["user__upn"])
    return _table(by, months, {pk: (by_month, calls[0]) for pk, (by_month, calls) in found.items()},
                  lambda pk, amounts, total, calls: SpendRow(str(pk), names[pk][0], amounts, total, calls, user_id=pk,
                                                             upn=names[pk][1]))


def charged_calls_of(*, tenant: Tenant, period: DateRange, user: User) -> QuerySet[CallRecord]:
    """The user's calls in `period` that Communications Credits paid for, newest first (a queryset to page)."""
    return (CallRecord.objects.filter(tenant=tenant, user=user, start_at__gte=period.start_at, start_at__lt=period.end_at,
                                      charge__gt=0).order_by("-start_at", "-id"))
