"""Daily totals of call records (CallUsageDay), kept by triggers on the call records table, and their check.

The PSTN usage report's totals add up at most one row per day and filter value instead of every call of the
range: a call's completion, an import's COPY and any other INSERT, UPDATE or DELETE of call records changes the
day's row in the same statement (PostgreSQL: one statement-level trigger per operation that adds the changed rows
up by day first, so a COPY of ten thousand calls is one upsert of its days, not ten thousand; SQLite: row
triggers). Nothing in Python calls them, so no writer can forget. Days are the calls' start days in UTC, the
report's days. Rows are upserted in key order, so two imports never wait on each other's days in a cycle.

`usage_days_rebuild` recomputes them from the call records (the migration's backfill, a repair);
`usage_days_mismatches` lists the days whose totals differ from the records (tests, a check after a repair).
"""
# ruff: noqa: S608  (every name in this SQL is a constant of this module; values go as parameters)
from datetime import UTC, date
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from core import sql
from core.money import CENT, MoneySum

from .models import CallRecord, CallUsageDay

TABLE = "rating_callusageday"
RECORDS = "rating_callrecord"
KEY = ("tenant_id", "day", "call_type", "destination_context", "usage_country", "capability")
FUNCTION = "rating_call_usage_day_count"
TRIGGERS = {"INSERT": "REFERENCING NEW TABLE AS new_rows", "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "DELETE": "REFERENCING OLD TABLE AS old_rows"}


def _grouped(source: str, day: str) -> str:
    """The changed rows of `source` added up per day and filter value, in key order."""
    return (f"SELECT tenant_id, {day} AS day, call_type, destination_context, usage_country, capability, "
            f"count(*) AS calls, coalesce(sum(duration_seconds), 0) AS seconds, coalesce(sum(charge), 0) AS charge "
            f"FROM {source} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6")


_KEY = ", ".join(KEY)
_ADD = (f"ON CONFLICT ({_KEY}) DO UPDATE SET calls = {TABLE}.calls + EXCLUDED.calls, "
        f"seconds = {TABLE}.seconds + EXCLUDED.seconds, charge = {TABLE}.charge + EXCLUDED.charge")
_PG_DAY = "(start_at AT TIME ZONE 'UTC')::date"


def _postgresql() -> list[str]:
    match = " AND ".join(f"d.{column} = o.{column}" for column in KEY)
    # Removed rows only lower days that exist: a tenant being deleted takes its days with it (cascade), in any order.
    return [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE {TABLE} AS d SET calls = d.calls - o.calls, seconds = d.seconds - o.seconds,
                       charge = d.charge - o.charge
                FROM ({_grouped('old_rows', _PG_DAY)}) AS o WHERE {match};
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO {TABLE} ({_KEY}, calls, seconds, charge) {_grouped('new_rows', _PG_DAY)} {_ADD};
              END IF;
              RETURN NULL;
            END $$""",
        *(f"DROP TRIGGER IF EXISTS {FUNCTION}_{op.lower()} ON {RECORDS}" for op in TRIGGERS),
        *(f"CREATE TRIGGER {FUNCTION}_{op.lower()} AFTER {op} ON {RECORDS} {referencing} FOR EACH STATEMENT "
          f"EXECUTE FUNCTION {FUNCTION}()" for op, referencing in TRIGGERS.items()),
    ]


def _sqlite() -> list[str]:
    def row(prefix: str) -> str:
        return (f"{prefix}.tenant_id, date({prefix}.start_at), {prefix}.call_type, {prefix}.destination_context, "
                f"{prefix}.usage_country, {prefix}.capability")

    def add(prefix: str) -> str:
        return (f"INSERT INTO {TABLE} ({_KEY}, calls, seconds, charge) VALUES ({row(prefix)}, 1, "
                f"{prefix}.duration_seconds, {prefix}.charge) {_ADD};")

    match = " AND ".join(f"{column} = {value}" for column, value in zip(KEY, row("OLD").split(", "), strict=True))
    remove = (f"UPDATE {TABLE} SET calls = calls - 1, seconds = seconds - OLD.duration_seconds, "
              f"charge = charge - OLD.charge WHERE {match};")
    bodies = {"INSERT": add("NEW"), "UPDATE": remove + " " + add("NEW"), "DELETE": remove}
    return [statement for op, body in bodies.items() for statement in (
        f"DROP TRIGGER IF EXISTS {FUNCTION}_{op.lower()}",
        f"CREATE TRIGGER {FUNCTION}_{op.lower()} AFTER {op} ON {RECORDS} FOR EACH ROW BEGIN {body} END")]


def install(cursor) -> None:
    """Creates (or replaces) the triggers on the call records table."""
    for statement in _postgresql() if cursor.db.vendor == "postgresql" else _sqlite():
        cursor.execute(statement)


def uninstall(cursor) -> None:
    for op in TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION}_{op.lower()}"
                       + (f" ON {RECORDS}" if cursor.db.vendor == "postgresql" else ""))
    if cursor.db.vendor == "postgresql":
        cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def _day_sql() -> str:
    return _PG_DAY if connection.vendor == "postgresql" else "date(start_at)"


def usage_days_rebuild(*, tenant_id: UUID | str | None = None) -> int:
    """Recomputes the daily totals (of one tenant, or all) from the call records; returns the rows written.
    On PostgreSQL the call records are locked against writes meanwhile, so no call slips between the two."""
    where, parameters = (("WHERE tenant_id = %s", [sql.db_value(CallRecord, "tenant", tenant_id)])
                         if tenant_id is not None else ("", []))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {RECORDS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE} {where}", parameters)
        cursor.execute(f"INSERT INTO {TABLE} ({_KEY}, calls, seconds, charge) "
                       f"{_grouped(f'(SELECT * FROM {RECORDS} {where}) AS records', _day_sql())}", parameters)
        return cursor.rowcount


def usage_days_forget(*, start: date, end: date) -> int:
    """Removes the daily totals of every tenant for the days in [start, end): a retired month of call records."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE day >= %s AND day < %s", [start, end])
        return cursor.rowcount


def usage_days_mismatches(*, tenant_id: UUID | str) -> list[tuple[object, ...]]:
    """[(day, call type, context, country, capability, (calls, seconds, charge) kept, the same summed from the
    records)] of the tenant's days whose totals differ from its call records' sums; [] when they agree."""
    fields = KEY[1:]
    kept = {row[:5]: (row[5], row[6], Decimal(row[7]).quantize(CENT))
            for row in CallUsageDay.objects.filter(tenant_id=tenant_id).exclude(calls=0)
            .values_list(*fields, "calls", "seconds", "charge")}
    summed = {row[:5]: (row[5], row[6] or 0, Decimal(row[7] or 0).quantize(CENT))
              for row in CallRecord.objects.filter(tenant_id=tenant_id).annotate(day=TruncDate("start_at", tzinfo=UTC))
              .values(*fields).annotate(calls=Count("id"), seconds=Sum("duration_seconds"), charge=MoneySum("charge"))
              .values_list(*fields, "calls", "seconds", "charge").order_by()}
    return [(*key, kept.get(key), summed.get(key)) for key in sorted(kept.keys() | summed.keys())
            if kept.get(key) != summed.get(key)]
