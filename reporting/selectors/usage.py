"""PSTN usage details: the tenant's call records in a date range with the report's filters, totals and keyset pages.

Pages are keyset pages on (sort field, id), newest first unless the run sorts by another column, so page 1,000
costs what page 1 costs at any number of rows; the cursor names the last row seen rather than an offset.
"""
import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Tenant
from billing.rating.models import CallRecord, CallUsageChange, CallUsageDay
from core.money import ZERO, MoneySum
from core.validation import is_whole

from ..columns import EXPORT_FIELDS, export_sql_columns, page_fields
from ..exports import PostgresCopyCsv, ValuesCsv
from ..parameters import UsageFilters, UsageParameters

PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def pstn_calls(*, tenant: Tenant, start: datetime, end: datetime, filters: UsageFilters | None = None) -> QuerySet[CallRecord]:
    """Call records of `tenant` that started in [start, end), narrowed by UsageFilters when given (unordered)."""
    calls = CallRecord.objects.filter(tenant=tenant, start_at__gte=start, start_at__lt=end)
    if filters is not None:
        if filters.user_id:
            calls = calls.filter(user_id=filters.user_id)
        if filters.call_type:
            calls = calls.filter(call_type=filters.call_type)
        if filters.context:
            calls = calls.filter(destination_context=filters.context)
        if filters.country:
            calls = calls.filter(usage_country=filters.country)
        if filters.capability:
            calls = calls.filter(capability=filters.capability)
        if filters.spend_limit:
            calls = calls.filter(user_id__in=filters.spend_user_ids)
    return calls.order_by()


def calls_for(*, tenant: Tenant, parameters: UsageParameters) -> QuerySet[CallRecord]:
    return pstn_calls(tenant=tenant, start=parameters.period.start_at, end=parameters.period.end_at,
                      filters=parameters.filters)


@dataclass(frozen=True)
class UsageTotals:
    calls: int
    seconds: int
    charge: Decimal

    @property
    def minutes(self) -> Decimal:
        """Talk time in whole minutes (half a minute rounds up), as minutes are counted everywhere in the product."""
        return (Decimal(self.seconds) / 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _usage_days(model: type[CallUsageDay] | type[CallUsageChange], *, tenant: Tenant,
                parameters: UsageParameters) -> QuerySet[Any]:
    """The daily totals (or changes not yet folded into them) of the run's days and filters: a range is whole UTC
    days (billing/rating/usage_days.py)."""
    period, filters = parameters.period, parameters.filters
    days = model.objects.filter(tenant=tenant, day__gte=period.first_day, day__lte=period.last_day)
    for field, value in (("call_type", filters.call_type), ("destination_context", filters.context),
                         ("usage_country", filters.country), ("capability", filters.capability)):
        if value:
            days = days.filter(**{field: value})
    return days.order_by().values_list("calls", "seconds", "charge")


def pstn_usage_totals(*, tenant: Tenant, parameters: UsageParameters) -> UsageTotals:
    """Calls, talk time and charges of the filtered range (one query): the daily totals plus the changes not yet
    folded into them, which the call records' triggers keep equal to the records' sums, unless the run picks users
    (one user, users near their spend limit), whose own calls are summed through the user index."""
    filters = parameters.filters
    if filters.username or filters.user_id or filters.spend_limit:
        found = calls_for(tenant=tenant, parameters=parameters).aggregate(
            calls=Count("id"), seconds=Sum("duration_seconds"), charge=MoneySum("charge"))
        return UsageTotals(calls=found["calls"], seconds=found["seconds"] or 0,
                           charge=(found["charge"] or ZERO).quantize(ZERO))
    rows = _usage_days(CallUsageDay, tenant=tenant, parameters=parameters).union(
        _usage_days(CallUsageChange, tenant=tenant, parameters=parameters), all=True)
    calls = seconds = 0
    charge = ZERO
    for day_calls, day_seconds, day_charge in rows:  # a row per day and filter value: hundreds, not millions
        calls, seconds, charge = calls + day_calls, seconds + day_seconds, charge + Decimal(str(day_charge))
    # SQLite keeps decimals as floats: back to cents.
    return UsageTotals(calls=calls, seconds=seconds, charge=charge.quantize(ZERO))


@dataclass(frozen=True)
class Cursor:
    """Where a page ends in the report's order: the sort field's value of its last row, then the row's id."""

    value: object
    id: int

    def token(self) -> str:
        value = self.value
        if isinstance(value, datetime):
            text = str((value - EPOCH) // timedelta(microseconds=1))
        elif isinstance(value, str):
            text = urlsafe_b64encode(value.encode()).decode().rstrip("=") or "~"
        else:
            text = str(value)
        return f"{text}_{self.id}"

    @classmethod
    def parse(cls, raw: str, field: str, *, sort_field: str = "start_at") -> "Cursor":
        text, _, row_id = (raw or "").rpartition("_")
        invalid = ValidationError({field: "The page link is not valid; start again from the first page."})
        if not is_whole(row_id) or not text or len(raw) > 700:
            raise invalid
        value: object
        try:
            if sort_field == "start_at":
                if not is_whole(text.removeprefix("-")):
                    raise invalid
                value = EPOCH + timedelta(microseconds=int(text))
            elif sort_field == "charge":
                amount = Decimal(text)
                if not amount.is_finite():
                    raise invalid
                value = amount
            elif sort_field == "duration_seconds":
                if not is_whole(text):
                    raise invalid
                value = int(text)
            else:
                value = "" if text == "~" else urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (ValueError, ArithmeticError, UnicodeDecodeError, binascii.Error):  # OverflowError: beyond years 1 to 9999
            raise invalid from None
        return cls(value=value, id=int(row_id))


@dataclass(frozen=True)
class UsagePage:
    rows: list[dict[str, Any]]  # dicts of page_fields(columns)
    next_cursor: str | None  # older rows
    previous_cursor: str | None  # newer rows

    @property
    def is_first(self) -> bool:
        return self.previous_cursor is None


def _cursor_of(row: dict[str, Any], field: str) -> str:
    return Cursor(row[field], row["id"]).token()


def _beyond(field: str, mark: "Cursor", *, later: bool) -> Q:
    """Rows after `mark` in ascending (field, id) order when `later`, else before it."""
    op = "gt" if later else "lt"
    # The bound on the field alone, implied by the rest, lets the index start at the mark instead of filtering every
    # row before it (a page two weeks into 28 days skipped 400,000 rows of a busy tenant).
    return Q(**{f"{field}__{op}e": mark.value}) & (Q(**{f"{field}__{op}": mark.value})
                                                   | Q(**{field: mark.value, f"id__{op}": mark.id}))


def pstn_usage_page(*, tenant: Tenant, parameters: UsageParameters, after: str = "", before: str = "",
                    size: int = PAGE_SIZE) -> UsagePage:
    """One page of the filtered calls in the run's order (newest first unless sorted by a column; one query).
    `after` gives the rows that follow that cursor, `before` the rows that precede it; a malformed cursor is a
    ValidationError naming it."""
    field, descending = parameters.sort_field, parameters.sort_descending
    calls = calls_for(tenant=tenant, parameters=parameters).values(*{*page_fields(parameters.columns), field})
    forward = [f"-{field}", "-id"] if descending else [field, "id"]
    backward = [name.lstrip("-") if name.startswith("-") else f"-{name}" for name in forward]
    if before:
        mark = Cursor.parse(before, "before", sort_field=field)
        preceding = calls.filter(_beyond(field, mark, later=descending)).order_by(*backward)
        rows = list(preceding[:size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return UsagePage(rows=rows, next_cursor=_cursor_of(rows[-1], field) if rows else None,
                         previous_cursor=_cursor_of(rows[0], field) if rows and more_before else None)
    following = calls.order_by(*forward)
    if after:
        mark = Cursor.parse(after, "after", sort_field=field)
        following = following.filter(_beyond(field, mark, later=not descending))
    rows = list(following[:size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return UsagePage(rows=rows, next_cursor=_cursor_of(rows[-1], field) if rows and more_after else None,
                     previous_cursor=_cursor_of(rows[0], field) if rows and after else None)


def export_values(*, tenant: Tenant, parameters: UsageParameters, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The filtered calls as tuples of EXPORT_FIELDS, oldest first, streamed from the database in chunks."""
    calls = calls_for(tenant=tenant, parameters=parameters).order_by("start_at", "id")
    return calls.values_list(*EXPORT_FIELDS).iterator(chunk_size=chunk_size)


def export_csv(*, tenant: Tenant, parameters: UsageParameters) -> PostgresCopyCsv | ValuesCsv:
    """The CSV source of an export: PostgreSQL writes the CSV itself; other databases go through Python."""
    calls = calls_for(tenant=tenant, parameters=parameters).order_by("start_at", "id")
    if connections[calls.db].vendor == "postgresql":
        columns = export_sql_columns()
        return PostgresCopyCsv(calls.annotate(**columns).values_list(*columns))
    return ValuesCsv(export_values(tenant=tenant, parameters=parameters))
