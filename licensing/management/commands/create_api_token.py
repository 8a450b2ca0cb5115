"""Operator command: create a bearer token for a tenant's /v1.0/ and /api/v1/ calls and print it once."""
import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.management.tenants import tenant_by_domain
from accounts.scopes import ALL_SCOPES
from accounts.services import api_token_create


class Command(BaseCommand):
    help = ("Create an API token: --tenant DOMAIN --name NAME --scope SCOPE [--scope ...] [--expires-days N]; prints "
            "the token (shown once, stored hashed).")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's initial domain, for example contoso.example")
        parser.add_argument("--name", required=True, help="a name to recognise the token by on Org settings")
        parser.add_argument("--scope", action="append", required=True, choices=ALL_SCOPES, dest="scopes",
                            help="what the token may do (repeat for several): " + ", ".join(ALL_SCOPES))
        parser.add_argument("--expires-days", type=int, default=None,
                            help="days until the token expires (default: it does not expire)")

    def handle(self, *args, **opts):
        tenant = tenant_by_domain(opts["tenant"])
        days = opts["expires_days"]
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--expires-days: give a whole number of days from 1 to 3650.")
        expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
        try:
            token, raw = api_token_create(tenant=tenant, name=opts["name"], actor=None, scopes=opts["scopes"],
                                          expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        until = f", expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
        self.stderr.write(f"Token '{token.name}' for {tenant.name} (scopes: {', '.join(token.scopes)}{until}): "
                          "copy it now, it won't be shown again.")
        self.stdout.write(raw)
