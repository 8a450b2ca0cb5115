"""PSTN usage details: the tenant's call records in a date range with the report's filters, totals and keyset pages.

Pages are keyset pages on (start_at, id), newest first, so page 1,000 costs what page 1 costs at any number of
rows; the cursor names the last row seen rather than an offset.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count, Q, Sum

from billing.rating.models import CallRecord
from core.money import ZERO

from ..columns import EXPORT_FIELDS, export_sql_columns, page_fields
from ..exports import PostgresCopyCsv, ValuesCsv

PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def pstn_calls(*, tenant, start, end, filters=None):
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


def calls_for(*, tenant, parameters):
    return pstn_calls(tenant=tenant, start=parameters.period.start_at, end=parameters.period.end_at,
                      filters=parameters.filters)


@dataclass(frozen=True)
class UsageTotals:
    calls: int
    seconds: int
    charge: Decimal

    @property
    def minutes(self):
        """Talk time in minutes, one decimal."""
        return (Decimal(self.seconds) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def pstn_usage_totals(*, tenant, parameters):
    """Calls, talk time and charges of the filtered range (one query)."""
    found = calls_for(tenant=tenant, parameters=parameters).aggregate(
        calls=Count("id"), seconds=Sum("duration_seconds"), charge=Sum("charge"))
    # SQLite sums decimals as floats: back to cents.
    return UsageTotals(calls=found["calls"], seconds=found["seconds"] or 0,
                       charge=(found["charge"] or ZERO).quantize(ZERO))


@dataclass(frozen=True)
class Cursor:
    start_at: datetime
    id: int

    def token(self):
        return f"{(self.start_at - EPOCH) // timedelta(microseconds=1)}_{self.id}"

    @classmethod
    def parse(cls, raw, field):
        micros, _, row_id = (raw or "").partition("_")
        if not (micros.lstrip("-").isdigit() and row_id.isdigit()) or len(raw) > 40:
            raise ValidationError({field: "The page link is not valid; start again from the first page."})
        return cls(start_at=EPOCH + timedelta(microseconds=int(micros)), id=int(row_id))


@dataclass(frozen=True)
class UsagePage:
    rows: list  # dicts of page_fields(columns)
    next_cursor: str | None  # older rows
    previous_cursor: str | None  # newer rows

    @property
    def is_first(self):
        return self.previous_cursor is None


def _cursor_of(row):
    return Cursor(row["start_at"], row["id"]).token()


def pstn_usage_page(*, tenant, parameters, after="", before="", size=PAGE_SIZE):
    """One page of the filtered calls, newest first (one query). `after` gives the rows older than that cursor,
    `before` the rows newer; a malformed cursor is a ValidationError naming it."""
    calls = calls_for(tenant=tenant, parameters=parameters).values(*page_fields(parameters.columns))
    if before:
        mark = Cursor.parse(before, "before")
        newer = (calls.filter(Q(start_at__gt=mark.start_at) | Q(start_at=mark.start_at, id__gt=mark.id))
                 .order_by("start_at", "id"))
        rows = list(newer[:size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return UsagePage(rows=rows, next_cursor=_cursor_of(rows[-1]) if rows else None,
                         previous_cursor=_cursor_of(rows[0]) if rows and more_newer else None)
    older = calls.order_by("-start_at", "-id")
    if after:
        mark = Cursor.parse(after, "after")
        older = older.filter(Q(start_at__lt=mark.start_at) | Q(start_at=mark.start_at, id__lt=mark.id))
    rows = list(older[:size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return UsagePage(rows=rows, next_cursor=_cursor_of(rows[-1]) if rows and more_older else None,
                     previous_cursor=_cursor_of(rows[0]) if rows and after else None)


def export_values(*, tenant, parameters, chunk_size=2000):
    """The filtered calls as tuples of EXPORT_FIELDS, oldest first, streamed from the database in chunks."""
    calls = calls_for(tenant=tenant, parameters=parameters).order_by("start_at", "id")
    return calls.values_list(*EXPORT_FIELDS).iterator(chunk_size=chunk_size)


def export_csv(*, tenant, parameters):
    """The CSV source of an export: PostgreSQL writes the CSV itself; other databases go through Python."""
    calls = calls_for(tenant=tenant, parameters=parameters).order_by("start_at", "id")
    if connections[calls.db].vendor == "postgresql":
        columns = export_sql_columns()
        return PostgresCopyCsv(calls.annotate(**columns).values_list(*columns))
    return ValuesCsv(export_values(tenant=tenant, parameters=parameters))
