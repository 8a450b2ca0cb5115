"""Benchmark the credits services against their goal: 100 debits a second on one tenant (the account lock
serialises a tenant's money, so this is the ceiling per tenant, not per site), and a balance read in one query.

Runs on a throw-away database: a temporary SQLite file by default, or the PostgreSQL server named by
DATABASE_URL (its test database, TEST_DATABASE_NAME). With PostgreSQL it also races 8 threads.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

GOAL_DEBITS_PER_SECOND = 100
GOAL_DEBITS_PER_SECOND_POSTGRESQL = 500  # issue 14: one decision, the state in two statements


def _setup_database():
    import django
    from django.conf import settings

    django.setup()
    from django.test.utils import setup_databases

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    return setup_databases(verbosity=0, interactive=False)


def _percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def _tenant_with_funds(name, amount):
    from billing.credits.services import credits_add_funds, payment_method_add_card
    from tests.factories import TenantFactory

    tenant = TenantFactory(name=name)
    card = payment_method_add_card(tenant=tenant, number="4242424242424242", exp_month=12, exp_year=2099,
                                   holder_name="Bench", actor=None)
    credits_add_funds(tenant=tenant, amount=amount, payment_method=card, idempotency_key="bench", actor=None)
    return tenant


def bench_serial(count):
    from billing.credits.selectors import credits_balance
    from billing.credits.services import credits_debit, credits_release, credits_reserve

    tenant = _tenant_with_funds("Serial", 100_000)
    debits, pairs, reads = [], [], []
    for index in range(count):
        started = time.perf_counter()
        credits_debit(tenant=tenant, amount=Decimal("0.07"), call_id=f"d{index}")
        debits.append(time.perf_counter() - started)
    for index in range(count // 4):
        started = time.perf_counter()
        credits_reserve(tenant=tenant, amount=Decimal("1.00"), call_id=f"r{index}")
        credits_release(tenant=tenant, call_id=f"r{index}")
        pairs.append(time.perf_counter() - started)
    for _ in range(count // 4):
        started = time.perf_counter()
        credits_balance(tenant=tenant)
        reads.append(time.perf_counter() - started)
    return debits, pairs, reads


def bench_threads(threads, per_thread):
    from django.db import connection

    from billing.credits.services import credits_debit

    tenant = _tenant_with_funds("Threads", 100_000)
    barrier = threading.Barrier(threads)

    def work(worker):
        barrier.wait()
        for index in range(per_thread):
            credits_debit(tenant=tenant, amount=Decimal("0.05"), call_id=f"t{worker}-{index}")
        connection.close()

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return threads * per_thread / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="serial debits to time")
    args = parser.parse_args()
    old_config = _setup_database()
    from django.conf import settings
    from django.db import connection

    from billing.credits.ledger_check import ledger_problems

    try:
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        debits, pairs, reads = bench_serial(args.count)
        rate = len(debits) / sum(debits)
        p50, p95 = _percentiles(debits)
        print(f"database: {engine} ({connection.settings_dict['NAME']})")
        print(f"credits_debit, one thread: {rate:,.0f}/s (p50 {p50:.2f} ms, p95 {p95:.2f} ms, {len(debits)} debits)")
        p50, p95 = _percentiles(pairs)
        print(f"credits_reserve + credits_release: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        p50, p95 = _percentiles(reads)
        print(f"credits_balance (one query): p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        if engine == "postgresql":
            print(f"credits_debit, 8 threads on one tenant: {bench_threads(8, 250):,.0f}/s")
        problems = ledger_problems()
        print(f"check_ledger: {'ok' if not problems else problems}")
        goal = GOAL_DEBITS_PER_SECOND_POSTGRESQL if engine == "postgresql" else GOAL_DEBITS_PER_SECOND
        verdict = "meets" if rate >= goal and not problems else "MISSES"
        print(f"{verdict} the goal of {goal} debits a second on one tenant (load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs)")
        return 0 if verdict == "meets" else 1
    finally:
        from django.test.utils import teardown_databases

        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
