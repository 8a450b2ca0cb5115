"""Operator command: create a tenant (organisation)."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from accounts.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant: --name NAME --domain DOMAIN --country CC"

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--domain", required=True, help="initial domain, for example contoso.example")
        parser.add_argument("--country", required=True, help="ISO 3166 country the tenant is homed in")
        parser.add_argument("--billing-country", help="country of the billing address (default: --country)")
        parser.add_argument("--billing-account", default="MOSA", choices=Tenant.BillingAccountKind.values)
        parser.add_argument("--agreement-number", default="")

    def handle(self, *args, **opts):
        try:
            tenant = tenant_create(name=opts["name"], domain=opts["domain"], country=opts["country"],
                                   billing_country=opts["billing_country"],
                                   billing_account_kind=opts["billing_account"],
                                   agreement_number=opts["agreement_number"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.name} ({tenant.initial_domain}), id {tenant.id}"))
