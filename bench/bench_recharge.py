"""Benchmark what auto-recharge costs: the queries and time it adds to every debit (the trigger check under the
account lock), one whole recharge done by a worker (charge, ledger, invoice, emails), and the minute sweep's
candidate query over many tenants.

Runs on a throw-away database: a temporary SQLite file by default, or the PostgreSQL server named by
DATABASE_URL (its test database, TEST_DATABASE_NAME). Tasks run eagerly, in this process.
"""

import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def _setup_database():
    import django
    from django.conf import settings

    django.setup()
    from django.test.utils import setup_databases

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    return setup_databases(verbosity=0, interactive=False)


def _ms(samples):
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def _tenant(name, funds, *, trigger=200, recharge=500):
    from accounts.roles import Role
    from billing.credits.services import auto_recharge_update, credits_add_funds, payment_method_add_card
    from tests.factories import TenantFactory, UserFactory

    tenant = TenantFactory(name=name)
    UserFactory(tenant=tenant, roles=[Role.BILLING_ADMIN])
    card = payment_method_add_card(tenant=tenant, number="4242424242424242", exp_month=12, exp_year=2099,
                                   holder_name="Bench", actor=None)
    credits_add_funds(tenant=tenant, amount=funds, payment_method=card, idempotency_key="bench", actor=None)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=trigger, recharge_amount=recharge,
                         payment_method=card, actor=None)
    return tenant


def bench_debits(count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.credits.services import credits_debit
    from billing.credits.services.balance_events import balance_changed

    tenant = _tenant("Debits", 100_000)
    samples = []
    with CaptureQueriesContext(connection) as queries:
        credits_debit(tenant=tenant, amount=Decimal("0.25"), call_id="warm")
    for index in range(count):
        started = time.perf_counter()
        credits_debit(tenant=tenant, amount=Decimal("0.25"), call_id=f"call-{index}")
        samples.append(time.perf_counter() - started)
    median, p95 = _ms(samples)
    hook = []
    for index in range(count):
        started = time.perf_counter()
        balance_changed(tenant=tenant, before=Decimal("90000"), after=Decimal("89999.75"), key=f"bench-{index}")
        hook.append(time.perf_counter() - started)
    watch = sum("auto_recharge" in q["sql"] and "notification" in q["sql"] for q in queries.captured_queries)
    print(f"debit with auto-recharge on ({count}): median {median:.2f} ms, p95 {p95:.2f} ms, "
          f"{len(queries.captured_queries)} queries of which {watch} is the trigger/low-balance check "
          f"(that check alone: median {_ms(hook)[0]:.2f} ms)")


def bench_recharges(count):
    from billing.credits.models import RechargeAttempt
    from billing.credits.services import credits_debit

    samples = []
    for index in range(count):
        tenant = _tenant(f"Recharge {index}", 300)
        started = time.perf_counter()
        credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")  # commits; the eager task runs here
        samples.append(time.perf_counter() - started)
        assert RechargeAttempt.objects.get(tenant=tenant).status == "succeeded"
    median, p95 = _ms(samples)
    print(f"debit that crosses the trigger + whole recharge, eager ({count}): median {median:.0f} ms, p95 {p95:.0f} ms "
          "(charge, ledger, lot, invoice, its PDF, 1 email)")


def bench_sweep(tenants):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Tenant
    from billing.credits.models import AutoRechargeSettings, CreditAccount, PaymentMethod
    from billing.credits.recharge.engine import recharge_candidates

    card = PaymentMethod.objects.filter(kind="card").first()
    created = Tenant.objects.bulk_create([Tenant(name=f"Sweep {i}", initial_domain=f"sweep{i}.example", country="US",
                                                 billing_country="US") for i in range(tenants)])
    CreditAccount.objects.bulk_create([CreditAccount(tenant=t, balance=Decimal("0")) for t in created])
    AutoRechargeSettings.objects.bulk_create([
        AutoRechargeSettings(tenant=t, enabled=True, trigger_amount=Decimal("200"), recharge_amount=Decimal("500"),
                             payment_method=card) for t in created])
    samples = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            found = recharge_candidates(now=timezone.now())
            samples.append(time.perf_counter() - started)
    median, _ = _ms(samples)
    print(f"sweep candidates over {tenants:,} tenants with auto-recharge on: {len(found):,} found in "
          f"{len(queries.captured_queries)} query, median {median:.1f} ms")


def main():
    from django.db import connection
    from django.test.utils import teardown_databases

    old = _setup_database()
    try:
        print(f"database: {connection.vendor}")
        bench_debits(300)
        bench_recharges(5)
        bench_sweep(2000)
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
