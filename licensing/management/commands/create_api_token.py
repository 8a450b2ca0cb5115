"""Operator command: create a bearer token for a tenant's /v1.0/ and /api/v1/ calls and print it once."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management.tenants import tenant_by_domain
from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token: --tenant DOMAIN --name NAME; prints the token (shown once, stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's initial domain, for example contoso.example")
        parser.add_argument("--name", required=True, help="a name to recognise the token by on Org settings")

    def handle(self, *args, **opts):
        tenant = tenant_by_domain(opts["tenant"])
        try:
            token, raw = api_token_create(tenant=tenant, name=opts["name"], actor=None)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stderr.write(f"Token '{token.name}' for {tenant.name}: copy it now, it won't be shown again.")
        self.stdout.write(raw)
