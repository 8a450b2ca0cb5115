"""Benchmark the PSTN usage report and its exports on PostgreSQL with 1,000,000 call records.

Creates its own database (BENCH_DATABASE_NAME, default bench_reports) on the PostgreSQL server of
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), migrates it, bulk-inserts synthetic call
records spread over the last 364 days straight in SQL, then measures:
- the usage report page for the last 28 days (median server time through Django's full request stack), with
  its query count, and the same for a later page and a filtered run;
- the CSV export of every row (a custom range of the last 365 days) and the XLSX export of 100,000 rows (the 10%
  of calls made by users in GB), each run by the real export service in a child process whose wall time and peak
  resident memory (VmHWM, and the kernel's ru_maxrss) are read;
then drops the database and the exported files.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.support import django_setup  # noqa: E402

PAGE_GOAL_MS = 300
CSV_GOAL_S = 30
CSV_GOAL_MB = 250
XLSX_GOAL_S = 20
USERS = 1000
XLSX_ROWS_SHARE = 10  # every 10th call is by a GB user: 100,000 of 1,000,000


def fill(rows):
    """One tenant, a Reports reader, USERS callers and `rows` call records (one INSERT ... SELECT)."""
    from django.db import connection

    from accounts.models import Tenant, User, UserRole
    from accounts.roles import Role

    tenant = Tenant.objects.create(name="Bench", initial_domain="bench.example", country="US", billing_country="US")
    reader = User(tenant=tenant, upn="reports@bench.example", display_name="Bench Reader", usage_location="US")
    reader.set_unusable_password()
    reader.save()
    UserRole.objects.create(user=reader, role=Role.REPORTS_READER)
    User.objects.bulk_create([
        User(tenant=tenant, upn=f"caller{i:04d}@bench.example", display_name=f"Caller {i:04d}",
             usage_location="GB" if i % XLSX_ROWS_SHARE == 0 else "US", phone_number=f"+1425555{i:04d}", password="!")
        for i in range(USERS)])
    call_types = ["user_out"] * 5 + ["user_in", "user_in", "conf_out", "user_out_transfer", "unassigned_in"]
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH callers AS (
                SELECT id, upn, display_name, usage_location, phone_number,
                       row_number() OVER (ORDER BY upn) - 1 AS n
                FROM accounts_user WHERE tenant_id = %(tenant)s AND upn LIKE 'caller%%'
            ), calls AS (
                SELECT g.i, c.*, 30 + (g.i::bigint * 7919) %% 1800 AS seconds,
                       now() - (g.i::float8 / %(rows)s) * interval '364 days' AS started,
                       (ARRAY{call_types!r})[1 + g.i %% 10] AS call_type,
                       g.i %% 4 = 0 AS credits,
                       g.i %% 7 = 0 AS international
                FROM generate_series(0, %(rows)s - 1) AS g(i) JOIN callers c ON c.n = g.i %% {USERS}
            )
            INSERT INTO rating_callrecord (
                usage_id, tenant_id, call_id, conference_id, source, user_id, user_object_id, user_principal_name,
                user_display_name, phone_number, number_type, call_type, callee_number, callee_country, caller_number,
                caller_country, destination_name, destination_number_type, destination_context, usage_country,
                tenant_country, start_at, end_at, duration_seconds, billable_seconds, duration_source, operator,
                charge, connection_charge, currency, capability, pool_minutes, credit_minutes, rate_prefix,
                price_per_minute, created_at)
            SELECT gen_random_uuid(), %(tenant)s, 'bench-' || i, CASE WHEN call_type = 'conf_out' THEN 'conf-' || (i %% 500)
                   ELSE '' END, 'realtime', id, id, upn, display_name, phone_number, 'user', call_type,
                   CASE WHEN international THEN '+44207946' || lpad((i %% 10000)::text, 4, '0')
                        ELSE '+1206555' || lpad((i %% 10000)::text, 4, '0') END,
                   CASE WHEN international THEN 'GB' ELSE 'US' END, phone_number, usage_location,
                   CASE WHEN international THEN 'United Kingdom - Fixed' ELSE 'United States - Fixed and mobile' END,
                   'fixed', CASE WHEN international THEN 'International' ELSE 'Domestic' END, usage_location, 'US',
                   started, started + seconds * interval '1 second', seconds, ceil(seconds / 60.0) * 60, 'microsoft',
                   'Microsoft', CASE WHEN credits THEN round(ceil(seconds / 60.0) * 0.03, 2) ELSE 0 END, 0, 'USD',
                   CASE WHEN credits THEN 'MCOPSTNPP' WHEN call_type IN ('user_in', 'unassigned_in') THEN 'FREECALL'
                        ELSE 'MCOPSTN1' END,
                   0, CASE WHEN credits THEN ceil(seconds / 60.0) ELSE 0 END, CASE WHEN credits THEN '1' ELSE '' END,
                   CASE WHEN credits THEN 0.0300 END, started
            FROM calls
        """, {"tenant": tenant.pk, "rows": rows})
        cursor.execute("ANALYZE")
    return tenant, reader


def median_ms(fetch, rounds):
    fetch()  # warm caches
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = fetch()
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"unexpected status {response.status_code}: {response.content[:300]!r}")
    return statistics.median(timings), min(timings), max(timings)


def count_queries(fetch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


def measure_pages(reader, rounds):
    from django.test import Client
    from django.utils import timezone

    from reporting.selectors.usage import Cursor

    client = Client()
    client.force_login(reader)
    url = "/reports/pstn-usage/"
    # The "Next" link of a page two weeks into the range: rows older than that instant.
    later = Cursor(timezone.now() - timedelta(days=14), 10**12).token()
    cases = [
        ("usage report, last 28 days, first page", lambda: client.get(url, {"range": "28"})),
        ("usage report, last 28 days, a page two weeks in", lambda: client.get(url, {"range": "28", "after": later})),
        ("usage report, last 28 days, call type user_out, International",
         lambda: client.get(url, {"range": "28", "call_type": "user_out", "context": "International"})),
        ("usage report, last 90 days, one user", lambda: client.get(url, {"range": "90",
                                                                          "username": "caller0007@bench.example"})),
    ]
    return [(label, *median_ms(fetch, rounds), count_queries(fetch)) for label, fetch in cases]


def run_child(database_url, database_name, var_dir, export_format, extra):
    """Runs one export in a child process; returns (its report, ru_maxrss in MB)."""
    env = {**os.environ, "DATABASE_URL": f"{database_url.rsplit('/', 1)[0]}/{database_name}", "VAR_DIR": var_dir,
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_TASK_ALWAYS_EAGER": "true"}
    command = [sys.executable, __file__, "--child", export_format, "--child-query", json.dumps(extra)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()  # to the end first: a child writing to a full pipe would never exit
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export child failed: {output}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def child_main(export_format, query):
    """In the child: request the export as the Reports reader through the service (Celery eager runs it here)."""
    import django

    django.setup()
    from django.http import QueryDict
    from django.utils import timezone

    from accounts.models import User
    from reporting.parameters import parse_usage_parameters
    from reporting.services import export_request

    reader = User.objects.get(upn="reports@bench.example")
    data = QueryDict(mutable=True)
    data.update(query)
    parameters = parse_usage_parameters(data, tenant=reader.tenant, today=timezone.now().date())
    started = time.perf_counter()
    job = export_request(tenant=reader.tenant, actor=reader, parameters=parameters, format=export_format)
    job.refresh_from_db()
    elapsed = time.perf_counter() - started
    peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
    print(json.dumps({"status": job.status, "error": job.error, "rows": job.row_count, "seconds": elapsed,
                      "peak_mb": peak_kb / 1024, "path": job.file.path if job.file else "",
                      "bytes": job.file.size if job.file else 0}))


def check_csv_zip(path, rows):
    """The zip holds the CSV (with a BOM and rows + 1 lines) and parameters.json naming the same row count."""
    with zipfile.ZipFile(path) as archive:
        about = json.loads(archive.read("parameters.json"))
        with archive.open("PSTN usage details.csv") as handle:
            assert handle.read(3) == b"\xef\xbb\xbf", "the CSV has no UTF-8 BOM"
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    assert lines == rows + 1 and about["rowCount"] == rows, (lines, about["rowCount"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--child-query", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, json.loads(args.child_query))
        return 0
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_name = os.environ.get("BENCH_DATABASE_NAME", "bench_reports")
    var_dir = tempfile.mkdtemp(prefix="bench-reports-")
    django_setup(database_url=database_url, database_name=database_name, VAR_DIR=var_dir)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone

    if connection.vendor != "postgresql":
        print(f"reports bench needs PostgreSQL (BENCH_DATABASE_URL={database_url}); skipped")
        return 0
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    try:
        tenant, reader = fill(args.rows)
        print(f"reports bench: PostgreSQL database {database_name}, {args.rows:,} call records over 364 days, "
              f"{USERS:,} callers, set up in {time.perf_counter() - started:.0f} s; median of {args.rounds} requests")
        pages = measure_pages(reader, args.rounds)
        today = timezone.now().date()
        year = {"range": "custom", "from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
        csv_report, csv_rss = run_child(database_url, database_name, var_dir, "csv", year)
        if csv_report["status"] == "succeeded":
            check_csv_zip(csv_report["path"], csv_report["rows"])
        xlsx_report, xlsx_rss = run_child(database_url, database_name, var_dir, "xlsx", {**year, "country": "GB"})
    finally:
        teardown_databases(config, verbosity=0)
        shutil.rmtree(var_dir, ignore_errors=True)
    for label, median, low, high, queries in pages:
        print(f"  {label}: median {median:.1f} ms (min {low:.1f}, max {high:.1f}), {queries} queries")
    for label, report, rss in (("CSV export, every row", csv_report, csv_rss), ("XLSX export, GB users", xlsx_report,
                                                                                  xlsx_rss)):
        print(f"  {label}: {report['status']}, {report['rows']:,} rows in {report['seconds']:.1f} s, "
              f"{report['bytes'] / 2**20:.1f} MB file, child peak RSS {report['peak_mb']:.0f} MB "
              f"(ru_maxrss {rss:.0f} MB){' ' + report['error'] if report['error'] else ''}")
    goals = [
        ("usage page (28 days) median", pages[0][1] <= PAGE_GOAL_MS, f"<= {PAGE_GOAL_MS} ms"),
        ("CSV export time", csv_report["seconds"] <= CSV_GOAL_S, f"<= {CSV_GOAL_S} s"),
        ("CSV export peak memory", max(csv_report["peak_mb"], csv_rss) <= CSV_GOAL_MB, f"<= {CSV_GOAL_MB} MB"),
        ("XLSX export time", xlsx_report["seconds"] <= XLSX_GOAL_S, f"<= {XLSX_GOAL_S} s"),
    ]
    for label, met, goal in goals:
        print(f"  goal {label} {goal}: {'met' if met else 'NOT met'}")
    return 0 if all(met for _, met, _ in goals) and csv_report["status"] == xlsx_report["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
