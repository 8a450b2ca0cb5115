"""Admin roles of the admin centre and what each one may do (PRODUCT.md, "Admin roles")."""
from typing import Protocol, runtime_checkable

from django.db import models


class Role(models.TextChoices):
    GLOBAL_ADMIN = "global_admin", "Global admin"
    BILLING_ADMIN = "billing_admin", "Billing admin"
    LICENSE_ADMIN = "license_admin", "License admin"
    USER_ADMIN = "user_admin", "User admin"
    REPORTS_READER = "reports_reader", "Reports reader"
    TEAMS_COMMS_ADMIN = "teams_comms_admin", "Teams Communications admin"


class Cap:
    """Capabilities checked by pages and endpoints. Global admins hold every capability."""

    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    LICENSES_MANAGE = "licenses.manage"
    BILLING_READ = "billing.read"
    BILLING_MANAGE = "billing.manage"
    INVOICE_PAYMENT = "billing.invoice_payment"
    NOTIFICATIONS_MANAGE = "notifications.manage"
    REPORTS_READ = "reports.read"
    CREDITS_DASHBOARD = "reports.credits_dashboard"
    SETTINGS_MANAGE = "settings.manage"


CAPABILITIES = {
    Cap.USERS_READ: {Role.USER_ADMIN, Role.LICENSE_ADMIN},
    Cap.USERS_MANAGE: {Role.USER_ADMIN},
    Cap.LICENSES_MANAGE: {Role.LICENSE_ADMIN, Role.USER_ADMIN},
    Cap.BILLING_READ: {Role.BILLING_ADMIN},
    Cap.BILLING_MANAGE: {Role.BILLING_ADMIN},
    Cap.INVOICE_PAYMENT: set(),
    Cap.NOTIFICATIONS_MANAGE: {Role.BILLING_ADMIN},
    Cap.REPORTS_READ: {Role.REPORTS_READER, Role.TEAMS_COMMS_ADMIN},
    # The Teams Communications admin reads the PSTN usage, minute pools and blocked users reports, not the
    # Communications Credits dashboard (PRODUCT.md, "Admin roles").
    Cap.CREDITS_DASHBOARD: {Role.BILLING_ADMIN, Role.REPORTS_READER},
    Cap.SETTINGS_MANAGE: set(),
}


@runtime_checkable
class Actor(Protocol):
    """Who acts in a service: a directory User or an API token's principal (accounts/api/authentication.py)."""

    def can(self, capability: str) -> bool: ...


def roles_allow(roles, capability):
    """True when any of `roles` grants `capability`; an unknown capability is a programming error."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    roles = set(roles)
    return Role.GLOBAL_ADMIN in roles or bool(roles & CAPABILITIES[capability])
