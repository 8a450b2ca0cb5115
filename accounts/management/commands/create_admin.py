"""Operator command: create an admin user with one role in a tenant."""
import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import Role
from accounts.services import admin_create


class Command(BaseCommand):
    help = "Create a tenant admin: --tenant DOMAIN --upn UPN --role ROLE [--password ...]"

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's initial domain")
        parser.add_argument("--upn", required=True)
        parser.add_argument("--role", required=True, help="one of: " + ", ".join(Role.values))
        parser.add_argument("--password", help="default: a random password, printed once")
        parser.add_argument("--display-name")

    def handle(self, *args, **opts):
        password = opts["password"] or secrets.token_urlsafe(12)
        try:
            user = admin_create(tenant_domain=opts["tenant"], upn=opts["upn"], role=opts["role"],
                                password=password, display_name=opts["display_name"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        assert user.tenant is not None, "admin_create makes the user in a tenant"
        self.stdout.write(self.style.SUCCESS(f"Created {user.upn} ({Role(opts['role']).label}) in {user.tenant.name}"))
        if not opts["password"]:
            self.stdout.write(f"Password: {password}")
