"""Call records partitioned by month on PostgreSQL: partitions made ahead across a month boundary, rows of a new
month moved out of the default partition, old months exported to gzip CSV and dropped without touching the ledger."""
import csv
import datetime
import gzip
import io
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import LedgerEntry
from billing.credits.services import credits_debit
from billing.rating import partitions
from billing.rating.models import CallRecord
from billing.rating.usage_days import usage_days_mismatches
from ops.tasks import call_record_partitions
from tests.rating.factories import add_credits

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
UTC = datetime.UTC


def record(tenant, call_id, start, charge="0.00"):
    return CallRecord.objects.create(
        tenant=tenant, usage_id=uuid.uuid4(), call_id=call_id, call_type="user_out", callee_number="+447400123456",
        destination_context="International", start_at=start, end_at=start + datetime.timedelta(minutes=1),
        duration_seconds=60, capability="MCOPSTNPP", charge=Decimal(charge), credit_minutes=1)


def where_rows_live():
    with connection.cursor() as cursor:
        cursor.execute("SELECT call_id, tableoid::regclass::text FROM rating_callrecord ORDER BY call_id")
        return dict(cursor.fetchall())


@pytest.fixture
def postgres(is_postgres):
    if not is_postgres:
        pytest.skip("declarative partitioning is PostgreSQL's; SQLite keeps one table")


def test_sqlite_keeps_one_table(is_postgres, clock):
    if is_postgres:
        pytest.skip("SQLite's behaviour")
    assert partitions.partitions_ensure(now=clock.now(), months_ahead=3) == []
    assert partitions.partitions_retire(now=clock.now(), keep_months=1, archive_dir="/nonexistent") == []


def test_partitions_are_made_ahead_across_a_month_boundary(postgres, clock, tenant):
    clock.at(2026, 6, 30, 23, 30)
    record(tenant, "june-last", datetime.datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC))
    record(tenant, "july-first", datetime.datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    assert where_rows_live() == {"june-last": "rating_callrecord_default", "july-first": "rating_callrecord_default"}

    created = partitions.partitions_ensure(now=clock.now(), months_ahead=1)
    assert created == ["rating_callrecord_y2026m06", "rating_callrecord_y2026m07"]
    # each row moved into its month: the bound is the first instant of the month, UTC
    assert where_rows_live() == {"june-last": "rating_callrecord_y2026m06", "july-first": "rating_callrecord_y2026m07"}
    assert partitions.partitions_ensure(now=clock.now(), months_ahead=1) == []  # made once

    clock.at(2026, 7, 1, 0, 30)  # the month turned: one more month ahead
    call_record_partitions()
    names = [p.name for p in partitions.partitions()]
    assert {"rating_callrecord_y2026m07", "rating_callrecord_y2026m08", "rating_callrecord_y2026m09",
            "rating_callrecord_y2026m10"} <= set(names)  # RATING_PARTITIONS_AHEAD_MONTHS=3
    record(tenant, "august", datetime.datetime(2026, 8, 15, tzinfo=UTC))
    assert where_rows_live()["august"] == "rating_callrecord_y2026m08"

    # A month's report reads that month's partition only.
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT * FROM rating_callrecord WHERE tenant_id = %s AND start_at >= %s AND start_at < %s",
                       [tenant.pk, datetime.datetime(2026, 7, 1, tzinfo=UTC), datetime.datetime(2026, 8, 1, tzinfo=UTC)])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "rating_callrecord_y2026m07" in plan
    assert "y2026m06" not in plan and "y2026m08" not in plan and "rating_callrecord_default" not in plan


def test_months_past_retention_are_archived_to_gzip_csv_and_the_ledger_is_untouched(postgres, clock, tenant, tmp_path):
    clock.at(2026, 6, 17, 9, 30)
    partitions.partitions_ensure(now=clock.now(), months_ahead=0, months_back=5)  # January to June
    add_credits(tenant, "100.00")
    for month in range(1, 7):
        for day in (3, 20):
            call_id = f"m{month}-d{day}"
            record(tenant, call_id, datetime.datetime(2026, month, day, 12, tzinfo=UTC), charge="0.25")
            credits_debit(tenant=tenant, amount=Decimal("0.25"), call_id=call_id)
    entries = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount", "balance_after", "call_id"))

    archived = partitions.partitions_retire(now=clock.now(), keep_months=3, archive_dir=tmp_path)

    assert [(a.partition, a.rows) for a in archived] == [
        ("rating_callrecord_y2026m01", 2), ("rating_callrecord_y2026m02", 2), ("rating_callrecord_y2026m03", 2)]
    assert sorted(CallRecord.objects.values_list("call_id", flat=True)) == [
        "m4-d20", "m4-d3", "m5-d20", "m5-d3", "m6-d20", "m6-d3"]  # April to June kept
    assert not {"rating_callrecord_y2026m01", "rating_callrecord_y2026m02", "rating_callrecord_y2026m03"} & {
        p.name for p in partitions.partitions()}
    with gzip.open(tmp_path / "rating_callrecord_y2026m02.csv.gz", "rt", newline="") as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read())))
    assert [(row["call_id"], row["start_at"][:10], row["charge"]) for row in rows] == [
        ("m2-d3", "2026-02-03", "0.25"), ("m2-d20", "2026-02-20", "0.25")]
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount", "balance_after", "call_id")) == entries
    assert ledger_problems() == []
    # The retired months' daily totals went with them (a DROP fires no trigger): the rest still equal the records.
    assert usage_days_mismatches(tenant_id=tenant.pk) == []


def test_retention_of_zero_months_keeps_everything(postgres, clock, tenant, tmp_path):
    partitions.partitions_ensure(now=clock.now(), months_ahead=0, months_back=2)
    record(tenant, "kept", clock.now() - datetime.timedelta(days=60))
    assert partitions.partitions_retire(now=clock.now(), keep_months=0, archive_dir=tmp_path) == []
    assert CallRecord.objects.filter(call_id="kept").exists()
