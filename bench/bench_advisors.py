"""Benchmark the advisors against their goals: the license optimizer on 300 users and 90 days of calls (about 50,000)
in 10 s or less, and the recharge advisor in 1 s or less.

Runs on a throw-away database: a temporary SQLite file by default, or the PostgreSQL server named by DATABASE_URL
(its test database, TEST_DATABASE_NAME). The calls are imported through the real rating engine night by night, the
clock moved to 02:00 after each day (as the demo does), so records, pools and the ledger's daily charges are what
the product writes; the timings are the optimizer's and the advisor's own:
reading their inputs from the database and computing the answer, as GET /api/v1/license-optimizer?days=90 and
GET /api/v1/credits/recharge-advice do.
"""
import argparse
import datetime
import logging
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

OPTIMIZER_GOAL_S = 10.0
ADVISOR_GOAL_S = 1.0
USERS = 300
CALLS = 50_000
DAYS = 90
# usage location -> share of users, Calling Plans given there (weights), landline template of numbers there
COUNTRIES = {
    "US": (0.40, {"MCOPSTN1": 5, "MCOPSTN2": 2, "MCOPSTN_PAYG_1": 2, "MCOPSTN5": 1}, "+1425555{:04d}"),
    "GB": (0.20, {"MCOPSTN1": 5, "MCOPSTN2": 2, "MCOPSTN_PAYG_1": 3}, "+4420794{:05d}"),
    "CA": (0.10, {"MCOPSTN1": 6, "MCOPSTN_PAYG_1": 4}, "+1613555{:04d}"),
    "DE": (0.12, {"MCOPSTN1": 5, "MCOPSTN_PAYG_2": 5}, "+4930123{:05d}"),
    "FR": (0.10, {"MCOPSTN1": 4, "MCOPSTN2": 2, "MCOPSTN_PAYG_2": 4}, "+33123{:06d}"),
    "IN": (0.08, {}, "+911123{:06d}"),
}


def _setup_database():
    import django
    from django.conf import settings

    django.setup()
    from django.test.utils import setup_databases

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    return setup_databases(verbosity=0, interactive=False)


def _people(tenant, rng):
    from accounts.models import User
    from tests.licensing.factories import give_license

    users = []
    for country, (share, plans, _) in COUNTRIES.items():
        for _ in range(round(USERS * share)):
            serial = len(users)
            user = User(tenant=tenant, upn=f"user{serial:03d}@bench.example", display_name=f"User {serial:03d}",
                        usage_location=country, department=rng.choice(["Sales", "Support", "Finance", "Engineering"]),
                        password="!")
            user.save()
            licenses = ["SPE_E5"] if rng.random() < 0.4 else ["MCOEV"]
            if plans:
                licenses.append(rng.choices(list(plans), list(plans.values()))[0])
            if licenses[0] == "MCOEV" and rng.random() < 0.3:
                licenses.append("MCOMEETADV")
            licenses.append("MCOPSTNC")
            for part in licenses:
                give_license(user, part)
            users.append((user, country, bool(plans)))
    return users


def _rows(users, rng, now):
    """CALLS outbound calls over the last DAYS days: calls at home, abroad, and dial-outs of meetings."""
    callers = [(user, country) for user, country, has_plan in users if has_plan]
    templates = {country: template for country, (_, _, template) in COUNTRIES.items()}
    # A few heavy callers, many light ones: what makes some people cheaper on one plan and others on another.
    weights = [rng.paretovariate(1.2) for _ in callers]
    rows = []
    for index in range(CALLS):
        user, country = rng.choices(callers, weights)[0]
        kind, abroad = "user_out", rng.random() < 0.12
        if rng.random() < 0.05:
            kind = "conf_out"
        destination = rng.choice([c for c in templates if c != country]) if abroad else country
        template = templates[destination]
        width = int(template.split(":")[1].rstrip("d}"))
        start = now - datetime.timedelta(days=rng.uniform(0.1, DAYS - 0.1))
        rows.append({"call_id": f"bench-{index}", "call_type": kind, "user_principal_name": user.upn,
                     "callee_number": template.format(rng.randrange(10 ** width)),
                     "start_at": start.replace(microsecond=0), "duration_seconds": int(rng.expovariate(1 / 240)) + 5})
    rows.sort(key=lambda row: row["start_at"])
    return rows


def fill():
    import time_machine
    from django.utils import timezone

    from billing.credits.services import credits_adjust
    from billing.rating.services import call_records_import
    from licensing.models import Product
    from licensing.services import subscription_buy
    from tests.factories import TenantFactory

    rng = random.Random(20)
    now = timezone.now()
    started = time.perf_counter()
    with time_machine.travel(now - datetime.timedelta(days=DAYS + 1), tick=False):
        tenant = TenantFactory(name="Bench", initial_domain="bench.example")
        for product in Product.objects.all():
            subscription_buy(tenant=tenant, product=product, quantity=400, actor=None,
                             idempotency_key=f"bench-{product.pk}")
        users = _people(tenant, rng)
        credits_adjust(tenant=tenant, amount=Decimal("99000"), reason="Bench funding", idempotency_key="bench",
                       actor=None)
    by_day = {}
    for row in _rows(users, rng, now):
        by_day.setdefault(row["start_at"].date(), []).append(row)
    imported = 0
    for day, rows in sorted(by_day.items()):
        night = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(2), tzinfo=datetime.UTC)
        with time_machine.travel(min(night, now), tick=False):
            imported += call_records_import(tenant=tenant, rows=rows, actor=None).imported
    return tenant, len(users), imported, time.perf_counter() - started


def bench_optimizer(tenant):
    from django.utils import timezone

    from billing.rating.optimizer.inputs import optimizer_inputs
    from billing.rating.optimizer.search import optimize

    started = time.perf_counter()
    inputs = optimizer_inputs(tenant=tenant, days=DAYS, today=timezone.now().date())
    loaded = time.perf_counter() - started
    report = optimize(inputs)
    return report, loaded, time.perf_counter() - started


def bench_advisor(tenant):
    from django.utils import timezone

    from billing.credits.recharge.selectors import recharge_advice_for

    times = []
    for _ in range(5):
        started = time.perf_counter()
        advice = recharge_advice_for(tenant=tenant, now=timezone.now(), cover_days=14)
        times.append(time.perf_counter() - started)
    return advice, sorted(times)[len(times) // 2]


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    # The bench tenant has no admins: the pool emails its imports set off would each log "no recipients".
    logging.disable(logging.WARNING)
    old_config = _setup_database()
    from django.conf import settings

    try:
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        tenant, users, imported, fill_seconds = fill()
        print(f"database: {engine}; {users} users, {imported:,} calls of the last {DAYS} days imported in "
              f"{fill_seconds:.1f} s")
        report, loaded, optimizer_seconds = bench_optimizer(tenant)
        print(f"license optimizer, {DAYS} days: {optimizer_seconds:.2f} s ({loaded:.2f} s reading {report.calls:,} calls "
              f"of {report.people} people); saving ${report.saving:,.2f} a month with {len(report.changes)} changes "
              f"(${report.current.total:,.2f} -> ${report.recommended.total:,.2f})")
        advice, advisor_seconds = bench_advisor(tenant)
        print(f"recharge advisor: {advisor_seconds * 1000:.0f} ms (median of 5); {advice.status}: trigger "
              f"${advice.trigger:,.0f}, recharge ${advice.recharge_amount:,.0f}, one-time ${advice.one_time:,.0f}")
        misses = []
        if optimizer_seconds > OPTIMIZER_GOAL_S:
            misses.append(f"optimizer {optimizer_seconds:.2f} s > {OPTIMIZER_GOAL_S} s")
        if advisor_seconds > ADVISOR_GOAL_S:
            misses.append(f"advisor {advisor_seconds:.2f} s > {ADVISOR_GOAL_S} s")
        print("meets the goals (optimizer <= 10 s, advisor <= 1 s)" if not misses else f"MISSES: {'; '.join(misses)}")
        return 1 if misses else 0
    finally:
        from django.test.utils import teardown_databases

        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
