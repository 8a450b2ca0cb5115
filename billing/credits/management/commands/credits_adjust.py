"""Operator door: adds (positive) or takes (negative) credit on a tenant's balance, with a reason in the ledger."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from accounts.management.tenants import tenant_by_domain
from billing.credits.exceptions import CreditsError
from billing.credits.management.errors import command_error
from billing.credits.services import credits_adjust


class Command(BaseCommand):
    help = "Adjust a tenant's Communications Credits balance (operator adjustment)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's initial domain.")
        parser.add_argument("--amount", required=True, help="Dollars and cents; negative to take credit away.")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--key", required=True, help="Idempotency key: running the same command twice adjusts once.")

    def handle(self, *args, tenant, amount, reason, key, **options):
        found = tenant_by_domain(tenant)
        try:
            entry = credits_adjust(tenant=found, amount=amount, reason=reason, idempotency_key=key, actor=None)
        except (ValidationError, CreditsError) as exc:
            raise command_error(exc) from None
        self.stdout.write(self.style.SUCCESS(f"{found.name}: {entry.amount:+,.2f}, balance {entry.balance_after:,.2f}."))
