"""Benchmark Active users and GET /v1.0/users on PostgreSQL with 10,000 users holding 4 licenses each.

Creates its own database (BENCH_DATABASE_NAME, default bench_active_users) on the PostgreSQL server of
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), migrates it, fills it, measures the
median server time of each request through Django's full request stack (no network), then drops it.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.support import django_setup  # noqa: E402

GOAL_MS = 150
# Half the directory has E5 + Domestic + Audio Conferencing + Communications Credits, half E3 + Teams Phone +
# Domestic and International + Communications Credits: four licenses each, every rule satisfied.
MIXES = (("SPE_E5", "MCOPSTN1", "MCOMEETADV", "MCOPSTNC"), ("SPE_E3", "MCOEV", "MCOPSTN2", "MCOPSTNC"))


def fill(users_count):
    """The directory: one tenant, a Global admin, `users_count` users with four licenses each (bulk inserts)."""
    from django.db import connection

    from accounts.models import Tenant, User, UserRole
    from accounts.roles import Role
    from licensing.models import AssignedPlan, LicenseAssignment, Product, Subscription

    tenant = Tenant.objects.create(name="Bench", initial_domain="bench.example", country="US", billing_country="US")
    admin = User(tenant=tenant, upn="admin@bench.example", display_name="Bench Admin", usage_location="US")
    admin.set_unusable_password()
    admin.save()
    UserRole.objects.create(user=admin, role=Role.GLOBAL_ADMIN)
    products = {p.sku_part_number: p for p in Product.objects.prefetch_related("service_plans")}
    for part in {part for mix in MIXES for part in mix}:
        Subscription.objects.create(tenant=tenant, product=products[part], enabled_units=users_count,
                                    price=products[part].list_price)
    countries = ["US", "US", "US", "GB", "CA", "PR"]
    users = [User(id=uuid.uuid4(), tenant=tenant, upn=f"user{i:05d}@bench.example", display_name=f"User {i:05d}",
                  first_name="User", last_name=f"{i:05d}", usage_location=countries[i % len(countries)],
                  password="!") for i in range(users_count)]
    User.objects.bulk_create(users, batch_size=2000)
    assignments, plans = [], []
    for i, user in enumerate(users):
        for part in MIXES[i % 2]:
            assignment = LicenseAssignment(tenant=tenant, user=user, product=products[part])
            assignments.append(assignment)
    LicenseAssignment.objects.bulk_create(assignments, batch_size=5000)
    for assignment in assignments:
        plans.extend(AssignedPlan(tenant=tenant, user_id=assignment.user_id, assignment=assignment, service_plan=plan)
                     for plan in products[assignment.product.sku_part_number].service_plans.all())
    AssignedPlan.objects.bulk_create(plans, batch_size=10000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return tenant, admin, len(assignments), len(plans)


def median_ms(fetch, rounds):
    fetch()  # warm caches and the token's last-used write
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


def measure(admin, tenant, rounds):
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.services import api_token_create

    page = Client()
    page.force_login(admin)
    _, raw = api_token_create(tenant=tenant, name="bench", actor=None, scopes=["graph.read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    cases = [
        ("Active users page", lambda: page.get("/users/active/")),
        ("Active users, filter Domestic Calling Plan, sorted by username desc",
         lambda: page.get("/users/active/", {"product": "MCOPSTN1", "sort": "-upn"})),
        ("Active users, search 'user04'", lambda: page.get("/users/active/", {"q": "user04"})),
        ("GET /v1.0/users?$top=999", lambda: api.get("/v1.0/users", {"$top": "999"})),
        ("GET /v1.0/users?$top=999&$select=id,displayName,usageLocation,assignedLicenses",
         lambda: api.get("/v1.0/users", {"$top": "999", "$select": "id,displayName,usageLocation,assignedLicenses"})),
    ]
    results = []
    for label, fetch in cases:
        median, low, high = median_ms(fetch, rounds)
        results.append((label, median, low, high, count_queries(fetch)))
    return results


def measure_bulk_change(admin, tenant, size):
    """One Manage product licenses save for `size` users: unassign Audio Conferencing, then assign it back."""
    from accounts.models import User
    from licensing.models import Product
    from licensing.services import licenses_change

    conferencing = Product.objects.get(sku_part_number="MCOMEETADV")
    users = list(User.objects.filter(tenant=tenant, license_assignments__product=conferencing).order_by("pk")[:size])
    timings = []
    for kwargs in ({"remove": [conferencing]}, {"add": [conferencing]}):
        start = time.perf_counter()
        result = licenses_change(tenant=tenant, actor=admin, users=users, **kwargs)
        timings.append((time.perf_counter() - start) * 1000)
        assert result.users_changed == len(users)
    return len(users), timings


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_name = os.environ.get("BENCH_DATABASE_NAME", "bench_active_users")
    django_setup(database_url=database_url, database_name=database_name)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print(f"active users bench needs PostgreSQL (BENCH_DATABASE_URL={database_url}); skipped")
        return 0
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    try:
        tenant, admin, licenses, plans = fill(args.users)
        print(f"active users bench: PostgreSQL database {database_name}, {args.users:,} users, {licenses:,} licenses "
              f"({plans:,} service-plan rows), set up in {time.perf_counter() - started:.0f} s; "
              f"median of {args.rounds} requests each")
        results = measure(admin, tenant, args.rounds)
        bulk_users, (unassign_ms, assign_ms) = measure_bulk_change(admin, tenant, 1000)
    finally:
        teardown_databases(config, verbosity=0)
    for label, median, low, high, queries in results:
        print(f"  {label}: median {median:.1f} ms (min {low:.1f}, max {high:.1f}), {queries} queries")
    print(f"  licenses_change for {bulk_users:,} users (one save, audit row each): unassign {unassign_ms:.0f} ms, "
          f"assign {assign_ms:.0f} ms")
    page_median = results[0][1]
    ok = page_median <= GOAL_MS
    print(f"  Active users goal: median <= {GOAL_MS} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
