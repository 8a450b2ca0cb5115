"""Benchmark reading a month's statement from the ledger: statement_data_for over N charged calls (default 5,000).

Builds a throwaway test database (SQLite in memory, or PostgreSQL with DATABASE_URL=postgres://...), funds a
tenant by card, imports N calls in March 2026 through the rating import, then times statement_data_for (median
of --repeat runs), counts its queries, and times issuing the statement from the ledger once.
Goal: <= 2 s and a fixed number of queries for 5,000 calls.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

GOAL_S = 2.0
BATCH = 2500


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("TEST_DATABASE_NAME", "bench_invoices_statements")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from datetime import UTC, date, datetime
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from billing.invoices.services import statement_issue_from_ledger
    from billing.invoices.statement_data import statement_data_for
    from tests.factories import TenantFactory, UserFactory
    from tests.invoices.factories import Clock, callers_with_credits, card_on_file, fund, import_calls, random_calls

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        clock = Clock(datetime(2026, 2, 25, 9, tzinfo=UTC))
        with mock.patch.object(timezone, "now", lambda: clock.now):
            tenant = TenantFactory(name="Contoso Bench", initial_domain="contoso.bench")
            admin = UserFactory(tenant=tenant)
            callers_with_credits(tenant)
            fund(tenant, card_on_file(tenant, admin), "50000", key="bench", actor=admin)
            for batch, start in enumerate(range(0, args.calls, BATCH)):
                clock.at(2026, 3, 2 + batch, 23)
                import_calls(tenant, random_calls(f"bench-{batch}", min(BATCH, args.calls - start),
                                                  day=date(2026, 3, 2 + batch), seed=batch))
            clock.at(2026, 4, 1, 2)
            month = date(2026, 3, 1)
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    data = statement_data_for(tenant=tenant, month=month)
                timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            statement_issue_from_ledger(tenant=tenant, month=month)
            issue_s = time.perf_counter() - started
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    median = statistics.median(timings)
    print(json.dumps({
        "database": connection.vendor, "calls_imported": args.calls, "charged_calls": data.call_count,
        "statement_data_for_s": round(median, 3), "queries": len(queries), "issue_from_ledger_s": round(issue_s, 3),
        "goal_s": GOAL_S, "met": median <= GOAL_S,
    }, indent=2))
    return 0 if median <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
