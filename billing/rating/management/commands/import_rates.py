"""Operator command: import a rate deck from CSV as a new version, all or nothing."""
import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management.tenants import tenant_by_domain
from billing.rating.deckfile import DeckFileInvalid
from billing.rating.services import rate_deck_import


def iso_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--effective {text!r} is not a date; write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Import a rate deck: FILE --effective YYYY-MM-DD [--tenant DOMAIN] [--name NAME]"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with the columns prefix,destination,country,number_type,"
                                         "price_per_minute,connection_fee[,first_increment,increment]")
        parser.add_argument("--effective", required=True, help="first day (UTC) the rates apply, YYYY-MM-DD")
        parser.add_argument("--tenant", help="initial domain of the tenant whose own deck this is (default: global deck)")
        parser.add_argument("--name", default="", help="name of the version (default: file name and date)")

    def handle(self, *args, **opts):
        effective_from = iso_date(opts["effective"])
        path = Path(opts["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        tenant = None
        if opts["tenant"]:
            tenant = tenant_by_domain(opts["tenant"])
        try:
            version = rate_deck_import(content=content, effective_from=effective_from, tenant=tenant,
                                       name=opts["name"], source_file_name=path.name)
        except DeckFileInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path.name}: {problem}")
            raise CommandError(exc.summary) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        owner = tenant.initial_domain if tenant else "the global deck"
        self.stdout.write(self.style.SUCCESS(
            f"Imported {version.rates_label} as '{version.name}' (version {version.pk}) for {owner}, "
            f"effective {version.effective_from:%Y-%m-%d}."))
