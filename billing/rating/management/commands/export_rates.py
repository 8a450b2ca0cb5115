"""Operator command: export a rate deck version as CSV, in the format import_rates reads."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.management.tenants import tenant_by_domain
from billing.rating.deckfile import write_deck
from billing.rating.lookup import rating_day
from billing.rating.models import RateDeckVersion
from billing.rating.selectors import deck_version_rows, rate_book


class Command(BaseCommand):
    help = "Export a rate deck version as CSV: [--deck-version ID | --tenant DOMAIN] [--output FILE]"

    def add_arguments(self, parser):
        parser.add_argument("--deck-version", type=int, dest="version_id", help="id of the deck version to export")
        parser.add_argument("--tenant", help="export this tenant's own version in effect today (default: the global one)")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **opts):
        if opts["version_id"] is not None:
            version = RateDeckVersion.objects.filter(pk=opts["version_id"]).first()
            if version is None:
                raise CommandError(f"No rate deck version has the id {opts['version_id']}.")
        else:
            tenant_id = None
            if opts["tenant"]:
                tenant = tenant_by_domain(opts["tenant"])
                tenant_id = tenant.pk
            ref = rate_book().version_in_effect(tenant_id, rating_day(timezone.now()))
            if ref is None:
                raise CommandError("No rate deck version is in effect today for that deck.")
            version = RateDeckVersion.objects.get(pk=ref.id)
        rows = deck_version_rows(version=version)
        if opts["output"]:
            with open(opts["output"], "w", newline="", encoding="utf-8") as stream:
                write_deck(rows, stream)
            self.stderr.write(f"Wrote {len(rows):,} rates of '{version.name}' to {opts['output']}.")
        else:
            write_deck(rows, self.stdout)
