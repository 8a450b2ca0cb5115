"""Demo data: the Contoso tenant, its directory and everything each app adds (deterministic, idempotent)."""
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_admins
from core.plugins import seeders


class Command(BaseCommand):
    help = "Create or refresh the Contoso demo tenant. Safe to run again: it changes nothing that exists."

    def handle(self, *args, **opts):
        tenant = None
        for seed in seeders():
            result = seed(tenant=tenant, stdout=self.stdout)
            if tenant is None:
                tenant = result
        self.stdout.write(self.style.SUCCESS(f"Demo tenant {tenant.name} ({tenant.initial_domain}) is ready."))  # type: ignore[union-attr]
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for upn, role in demo_admins():
            self.stdout.write(f"  {role.label:<28} {upn}")
