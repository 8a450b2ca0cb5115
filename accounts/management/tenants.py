"""The one way operator commands find a tenant: by its initial domain, or a CommandError naming the domain."""
from django.core.management.base import CommandError

from accounts.models import Tenant


def tenant_by_domain(domain: str) -> Tenant:
    tenant = Tenant.objects.filter(initial_domain=(domain or "").strip().lower()).first()
    if tenant is None:
        raise CommandError(f"No tenant has the domain '{domain}'.")
    return tenant
