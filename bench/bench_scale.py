"""Call records at ten million on PostgreSQL, partitioned by month: the 28-day PSTN usage page and a month's CSV.

Creates its own database (BENCH_DATABASE_NAME, default bench_scale) on the PostgreSQL server of BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/postgres) and migrates it, which partitions `rating_callrecord` by month
(billing/rating/partitions.py); makes the twelve months back with `partitions_ensure`, as beat does ahead of time;
then writes --rows call records (default 10,000,000, or BENCH_SCALE_ROWS) over the last 364 days for one tenant
with 1,000 callers, month by month, straight in SQL on the server (INSERT ... SELECT over generate_series: no row
crosses the wire), and measures:
- the PSTN usage report for the last 28 days (median server time through Django's whole request stack, and its
  query count), a page two weeks in, and one user over 90 days; its totals (from the daily totals the call records'
  triggers keep, billing/rating/usage_days.py) beside the same sums over the records;
- the CSV export of the last whole month (the real export service, in a child process: wall time, peak memory);
- how many partitions the 28-day query reads (EXPLAIN), and the table's size on disk.
Goals (issue 21): page median <= 300 ms, one month's CSV <= 30 s. Drops the database at the end, unless --keep (which
also reuses a database an earlier --keep run left, migrated, instead of writing the rows again).
"""
import argparse
import calendar
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench import bench_reports  # noqa: E402
from bench.support import django_setup  # noqa: E402

PAGE_GOAL_MS = 300
CSV_GOAL_S = 30


def fill_in_slices(rows, slices):
    """bench_reports.fill's rows, written `slices` times over (each slice a 1/slices share of the year): one long
    statement per slice keeps progress visible and each transaction short."""
    from django.db import connection

    per_slice = rows // slices
    tenant, reader = bench_reports.fill(per_slice)  # the tenant, its callers, the first slice
    spacing = 364 * 86400 / per_slice  # seconds between two calls of a slice: the others fall in between
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM rating_callrecord")
        first_slice_last_id = cursor.fetchone()[0]
        for part in range(1, slices):
            started = time.perf_counter()
            cursor.execute("""
                INSERT INTO rating_callrecord (
                    usage_id, tenant_id, call_id, conference_id, source, user_id, user_object_id, user_principal_name,
                    user_display_name, phone_number, number_type, call_type, callee_number, callee_country,
                    caller_number, caller_country, destination_name, destination_number_type, destination_context,
                    usage_country, tenant_country, start_at, end_at, duration_seconds, billable_seconds,
                    duration_source, operator, charge, connection_charge, currency, capability, pool_minutes,
                    credit_minutes, rate_prefix, price_per_minute, created_at)
                SELECT gen_random_uuid(), tenant_id, call_id || '-' || %(part)s, conference_id, source, user_id,
                       user_object_id, user_principal_name, user_display_name, phone_number, number_type, call_type,
                       callee_number, callee_country, caller_number, caller_country, destination_name,
                       destination_number_type, destination_context, usage_country, tenant_country,
                       start_at - %(shift)s * interval '1 second', end_at - %(shift)s * interval '1 second',
                       duration_seconds, billable_seconds, duration_source, operator, charge, connection_charge,
                       currency, capability, pool_minutes, credit_minutes, rate_prefix, price_per_minute, created_at
                FROM rating_callrecord WHERE tenant_id = %(tenant)s AND id <= %(last)s
            """, {"part": part, "tenant": tenant.pk, "last": first_slice_last_id, "shift": part * spacing / slices})
            print(f"  slice {part + 1}/{slices}: {cursor.rowcount:,} rows in {time.perf_counter() - started:.0f} s",
                  flush=True)
        cursor.execute("ANALYZE rating_callrecord")
    return tenant, reader


def kept_tenant():
    """(tenant, reader) of a database kept by an earlier --keep run, or None when there is none."""
    from accounts.models import Tenant, User

    tenant = Tenant.objects.filter(initial_domain="bench.example").first()
    if tenant is None or not tenant.call_records.exists():
        return None
    return tenant, User.objects.get(tenant=tenant, upn="reports@bench.example")


def totals_against_records(tenant):
    """The 28-day page's totals (from the daily totals) beside the same sums over the call records themselves."""
    from django.db.models import Count, Sum
    from django.utils import timezone

    from core.money import MoneySum
    from reporting.parameters import UsageParameters
    from reporting.periods import preset_range
    from reporting.selectors.usage import calls_for, pstn_usage_totals

    parameters = UsageParameters(period=preset_range(28, today=timezone.now().date()))
    started = time.perf_counter()
    summed = calls_for(tenant=tenant, parameters=parameters).aggregate(
        calls=Count("id"), seconds=Sum("duration_seconds"), charge=MoneySum("charge"))
    seconds = time.perf_counter() - started
    kept = pstn_usage_totals(tenant=tenant, parameters=parameters)
    return (kept.calls, kept.seconds, kept.charge), (summed["calls"], summed["seconds"], summed["charge"]), seconds


def partitions_read(tenant):
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT * FROM rating_callrecord WHERE tenant_id = %s AND start_at >= %s "
                       "ORDER BY start_at DESC LIMIT 50", [tenant.pk, timezone.now() - timedelta(days=28)])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
                       "WHERE inhparent = 'rating_callrecord'::regclass")
        size = cursor.fetchone()[0]
    words = plan.replace("(", " ").split()
    return sorted({word for word in words if word.startswith("rating_callrecord_y") and not word.endswith("_idx")}), size


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_SCALE_ROWS", 10_000_000)))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--slices", type=int, default=10)
    parser.add_argument("--keep", action="store_true",
                        help="keep the database afterwards, and reuse (migrate, not refill) one kept before")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_name = os.environ.get("BENCH_DATABASE_NAME", "bench_scale")
    var_dir = tempfile.mkdtemp(prefix="bench-scale-")
    django_setup(database_url=database_url, database_name=database_name, VAR_DIR=var_dir, LOG_LEVEL="WARNING")

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone

    from billing.rating.partitions import partitions, partitions_ensure

    if connection.vendor != "postgresql":
        print(f"scale bench needs PostgreSQL (BENCH_DATABASE_URL={database_url}); skipped")
        return 0
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set(),
                             keepdb=args.keep)
    try:
        kept = kept_tenant() if args.keep else None
        if kept is not None:
            tenant, reader = kept
            print(f"scale bench: reusing the kept database {database_name} (migrated)", flush=True)
        else:
            partitions_ensure(now=timezone.now(), months_ahead=3, months_back=13)
            print(f"scale bench: PostgreSQL database {database_name}, {len(partitions())} monthly partitions; writing "
                  f"{args.rows:,} call records over 364 days in {args.slices} slices", flush=True)
            tenant, reader = fill_in_slices(args.rows, args.slices)
        written = tenant.call_records.count()
        print(f"  {written:,} call records written and analyzed in {time.perf_counter() - started:.0f} s", flush=True)
        read, size = partitions_read(tenant)
        pages = bench_reports.measure_pages(reader, args.rounds)
        totals_check = totals_against_records(tenant)
        today = timezone.now().date()
        last_month_end = today.replace(day=1) - timedelta(days=1)
        month = {"range": "custom", "from": last_month_end.replace(day=1).isoformat(), "to": last_month_end.isoformat()}
        csv_report, csv_rss = bench_reports.run_child(database_url, database_name, var_dir, "csv", month)
        if csv_report["status"] == "succeeded":
            bench_reports.check_csv_zip(csv_report["path"], csv_report["rows"])
    finally:
        if not args.keep:
            teardown_databases(config, verbosity=0)
        shutil.rmtree(var_dir, ignore_errors=True)
    print(f"  call records: {written:,} rows, {size} on disk with indexes; the 28-day query reads {len(read)} "
          f"partition(s): {', '.join(read)}")
    for label, median, low, high, queries in pages:
        print(f"  {label}: median {median:.1f} ms (min {low:.1f}, max {high:.1f}), {queries} queries")
    kept, summed, seconds = totals_check
    print(f"  28-day totals from the daily totals {kept} {'==' if kept == summed else '!='} the records' sums {summed} "
          f"(summing the records took {seconds * 1000:.0f} ms)")
    days = calendar.monthrange(last_month_end.year, last_month_end.month)[1]
    print(f"  CSV export of {last_month_end:%B %Y} ({days} days): {csv_report['status']}, {csv_report['rows']:,} rows "
          f"in {csv_report['seconds']:.1f} s, {csv_report['bytes'] / 2**20:.1f} MB file, child peak RSS "
          f"{csv_report['peak_mb']:.0f} MB (ru_maxrss {csv_rss:.0f} MB) {csv_report['error'] or ''}")
    goals = [("usage page (28 days) median", pages[0][1] <= PAGE_GOAL_MS, f"<= {PAGE_GOAL_MS} ms"),
             ("one month's CSV export", csv_report["seconds"] <= CSV_GOAL_S, f"<= {CSV_GOAL_S} s")]
    for label, met, goal in goals:
        print(f"  goal {label} {goal} at {written:,} call records: {'met' if met else 'NOT met'}")
    return 0 if all(met for _, met, _ in goals) and csv_report["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
