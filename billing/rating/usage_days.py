"""Daily totals of call records (CallUsageDay), kept from triggers on the call records table, and their check.

The PSTN usage report's totals add up at most one row per day and filter value instead of every call of the range.
Every INSERT, UPDATE or DELETE of call records appends what it changed, added up by day and filter value, to
CallUsageChange in the same statement (PostgreSQL: statement-level triggers with transition tables, so a COPY of ten
thousand calls is one insert of its few dozen days; SQLite: row triggers). Nothing in Python calls them, so no writer
can forget, and `billing/rating/services/calls.py` has no line for them. Appending never waits: two completions of
one tenant's day never queue on a shared row, and the triggers take no lock that could close a cycle with the pool
and account locks of the call path. Beat folds the changes into CallUsageDay every minute (`usage_days_fold`: the
rows it deletes are the rows it adds, in one statement's snapshot); the report adds both tables, so its totals are
exact before a fold as after. Days are the calls' start days in UTC, the report's days.

`usage_days_rebuild` recomputes them from the call records (the migration's fill, a repair); `usage_days_forget`
drops the days of a retired month (a dropped partition fires no trigger); `usage_days_mismatches` lists the days
whose totals differ from the records (tests, a check after a repair).
"""
# ruff: noqa: S608  (every name in this SQL is a constant of this module; values go as parameters)
from collections import defaultdict
from datetime import UTC, date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from accounts.models import Tenant
from core import sql
from core.money import CENT, MoneySum

from .models import CallRecord, CallUsageChange, CallUsageDay

TABLE = "rating_callusageday"
CHANGES = "rating_callusagechange"
RECORDS = "rating_callrecord"
KEY = ("tenant_id", "day", "call_type", "destination_context", "usage_country", "capability")
FUNCTION = "rating_call_usage_day_count"
TRIGGERS = {"INSERT": "REFERENCING NEW TABLE AS new_rows",
            "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "DELETE": "REFERENCING OLD TABLE AS old_rows"}
_KEY = ", ".join(KEY)
_PG_DAY = "(start_at AT TIME ZONE 'UTC')::date"


def _grouped(source: str, day: str, sign: str = "") -> str:
    """The rows of `source` added up per day and filter value (negated with sign="-")."""
    return (f"SELECT tenant_id, {day} AS day, call_type, destination_context, usage_country, capability, "
            f"{sign}count(*) AS calls, {sign}coalesce(sum(duration_seconds), 0) AS seconds, "
            f"{sign}coalesce(sum(charge), 0) AS charge FROM {source} GROUP BY 1, 2, 3, 4, 5, 6")


def _postgresql() -> list[str]:
    insert = f"INSERT INTO {CHANGES} ({_KEY}, calls, seconds, charge)"
    return [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {insert} {_grouped('old_rows', _PG_DAY, '-')};
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {insert} {_grouped('new_rows', _PG_DAY)};
              END IF;
              RETURN NULL;
            END $$""",
        *(f"DROP TRIGGER IF EXISTS {FUNCTION}_{op.lower()} ON {RECORDS}" for op in TRIGGERS),
        *(f"CREATE TRIGGER {FUNCTION}_{op.lower()} AFTER {op} ON {RECORDS} {referencing} FOR EACH STATEMENT "
          f"EXECUTE FUNCTION {FUNCTION}()" for op, referencing in TRIGGERS.items()),
    ]


def _sqlite() -> list[str]:
    def change(prefix: str, sign: str) -> str:
        return (f"INSERT INTO {CHANGES} ({_KEY}, calls, seconds, charge) VALUES ({prefix}.tenant_id, "
                f"date({prefix}.start_at), {prefix}.call_type, {prefix}.destination_context, {prefix}.usage_country, "
                f"{prefix}.capability, {sign}1, {sign}{prefix}.duration_seconds, {sign}{prefix}.charge);")

    bodies = {"INSERT": change("NEW", ""), "UPDATE": change("OLD", "-") + " " + change("NEW", ""),
              "DELETE": change("OLD", "-")}
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


_ADD = (f"ON CONFLICT ({_KEY}) DO UPDATE SET calls = {TABLE}.calls + EXCLUDED.calls, "
        f"seconds = {TABLE}.seconds + EXCLUDED.seconds, charge = {TABLE}.charge + EXCLUDED.charge")


def usage_days_fold() -> int:
    """Moves the changes written so far into the daily totals (beat, every minute); returns the changes folded.

    The changes are deleted and returned by one statement, so exactly the rows it removes are added, even while calls
    go on appending; the days are upserted in key order, so two folds never wait on each other in a cycle."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CHANGES} RETURNING {_KEY}, calls, seconds, charge")
        changes = cursor.fetchall()
        if not changes:
            return 0
        totals: dict[tuple[Any, ...], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
        for row in changes:
            total = totals[tuple(row[:6])]
            for index, value in enumerate(row[6:]):
                total[index] += Decimal(str(value))
        # A tenant deleted meanwhile (its days went with it) has nothing left to count.
        tenants = {sql.db_value(CallRecord, "tenant", pk) for pk in Tenant.objects.filter(
            pk__in={CallRecord._meta.get_field("tenant").to_python(key[0]) for key in totals}).values_list("pk", flat=True)}
        cursor.executemany(f"INSERT INTO {TABLE} ({_KEY}, calls, seconds, charge) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                           f"%s, %s) {_ADD}",
                           [(*key, int(calls), int(seconds), charge) for key, (calls, seconds, charge)
                            in sorted(totals.items(), key=lambda item: tuple(str(part) for part in item[0]))
                            if key[0] in tenants])
    return len(changes)


def usage_days_rebuild(*, tenant_id: UUID | str | None = None) -> int:
    """Recomputes the daily totals (of one tenant, or all) from the call records; returns the rows written.
    On PostgreSQL the call records are locked against writes meanwhile, so no call slips between the two."""
    where, parameters = (("WHERE tenant_id = %s", [sql.db_value(CallRecord, "tenant", tenant_id)])
                         if tenant_id is not None else ("", []))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {RECORDS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {CHANGES} {where}", parameters)
        cursor.execute(f"DELETE FROM {TABLE} {where}", parameters)
        cursor.execute(f"INSERT INTO {TABLE} ({_KEY}, calls, seconds, charge) "
                       f"{_grouped(f'(SELECT * FROM {RECORDS} {where}) AS records', _day_sql())} ORDER BY 1, 2, 3, 4, 5, 6",
                       parameters)
        return cursor.rowcount


def usage_days_forget(*, start: date, end: date) -> int:
    """Removes the daily totals (and changes) of every tenant for the days in [start, end): a retired month."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CHANGES} WHERE day >= %s AND day < %s", [start, end])
        cursor.execute(f"DELETE FROM {TABLE} WHERE day >= %s AND day < %s", [start, end])
        return cursor.rowcount


def usage_days_mismatches(*, tenant_id: UUID | str) -> list[tuple[object, ...]]:
    """[(day, call type, context, country, capability, (calls, seconds, charge) kept, the same summed from the
    records)] of the tenant's days whose totals (folded and not yet folded) differ from its call records' sums; []
    when they agree."""
    fields = KEY[1:]
    kept: dict[tuple[object, ...], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for model in (CallUsageDay, CallUsageChange):
        for row in model.objects.filter(tenant_id=tenant_id).values_list(*fields, "calls", "seconds", "charge"):
            for index, value in enumerate(row[5:]):
                kept[row[:5]][index] += Decimal(str(value))
    mine = {key: (int(calls), int(seconds), charge.quantize(CENT)) for key, (calls, seconds, charge) in kept.items()
            if calls}
    summed = {row[:5]: (row[5], row[6] or 0, Decimal(row[7] or 0).quantize(CENT))
              for row in CallRecord.objects.filter(tenant_id=tenant_id).annotate(day=TruncDate("start_at", tzinfo=UTC))
              .values(*fields).annotate(calls=Count("id"), seconds=Sum("duration_seconds"), charge=MoneySum("charge"))
              .values_list(*fields, "calls", "seconds", "charge").order_by()}
    return [(*key, mine.get(key), summed.get(key)) for key in sorted(mine.keys() | summed.keys(), key=str)
            if mine.get(key) != summed.get(key)]
