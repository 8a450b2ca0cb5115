"""Verifies every tenant's credits: balance = Σ ledger = Σ lot remainders; exits non-zero on any difference."""
from django.core.management.base import BaseCommand, CommandError

from accounts.management.tenants import tenant_by_domain
from billing.credits.ledger_check import ledger_problems


class Command(BaseCommand):
    help = ("Check that each credit balance equals the sum of its ledger and of its lots' remainders, and that each "
            "account's hash chain of entries is whole.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Check only the tenant with this initial domain.")

    def handle(self, *args, tenant=None, **options):
        scope = None
        if tenant:
            scope = tenant_by_domain(tenant)
        problems = ledger_problems(tenant=scope)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} difference(s) found in the credits ledger.")
        self.stdout.write(self.style.SUCCESS("Every credits balance equals its ledger and its lots."))
