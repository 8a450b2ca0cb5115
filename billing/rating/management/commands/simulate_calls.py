"""manage.py simulate_calls --tenant DOMAIN --days 30 --calls N: realistic call traffic through the call services."""
import time

from django.core.management.base import BaseCommand, CommandError

from accounts.management.tenants import tenant_by_domain
from billing.rating.simulation import simulate_traffic


class Command(BaseCommand):
    help = ("Places N simulated call attempts of a tenant over the last D days through authorize and complete "
            "(the same seed gives the same calls: run again with another --seed for more traffic).")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's initial domain, e.g. contoso.example")
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--calls", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, tenant, days, calls, seed, **options):
        found = tenant_by_domain(tenant)
        if days < 1 or calls < 0:
            raise CommandError("--days must be 1 or more and --calls 0 or more.")
        started = time.perf_counter()
        result = simulate_traffic(tenant=found, days=days, calls=calls, seed=seed)
        self.stdout.write(f"{found.name}: {result.attempts:,} call attempts over {days} days: {result.completed:,} "
                          f"completed, {result.blocked:,} blocked, {len(result.skipped):,} refused as bad input "
                          f"({time.perf_counter() - started:.1f} s).")
        for call_id, message in result.skipped[:10]:
            self.stdout.write(f"  {call_id}: {message}")
