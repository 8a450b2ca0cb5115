"""Operator door: issues a month's Communications Credits statements from the ledger, for one tenant or all."""
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management.tenants import tenant_by_domain
from billing.credits.management.errors import command_error
from billing.invoices.services import statements_issue_for_month

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text):
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise CommandError(f"--month '{text}' is not a month: write it as YYYY-MM, for example 2026-03.")
    return date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = ("Issue the monthly statement of --month from the credits ledger and call records, for --tenant or for "
            "every tenant with credit activity up to the month's end. A statement already issued is left as it is.")

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month to issue, YYYY-MM (it must have ended).")
        parser.add_argument("--tenant", help="One tenant's initial domain; all tenants with credit activity if left out.")

    def handle(self, *args, month, tenant=None, **options):
        first = parse_month(month)
        tenants = None
        if tenant is not None:
            found = tenant_by_domain(tenant)
            tenants = [found]
        try:
            run = statements_issue_for_month(month=first, tenants=tenants)
        except ValidationError as exc:
            raise command_error(exc) from None
        for invoice in run.issued:
            self.stdout.write(f"{invoice.tenant.name} ({invoice.tenant.initial_domain}): issued {invoice}, "
                              f"usage charges {invoice.total:,.2f} {invoice.currency}.")
        for found in run.existing:
            self.stdout.write(f"{found.name} ({found.initial_domain}): already issued.")
        for found, error in run.failed:
            self.stderr.write(f"{found.name} ({found.initial_domain}): failed: {error}")
        summary = (f"{first:%B %Y}: {len(run.issued)} issued, {len(run.existing)} already issued, "
                   f"{len(run.failed)} failed.")
        if run.failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
