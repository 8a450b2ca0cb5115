"""Writes of licensing: subscriptions and their quantity ledger, license assignment, users on Active users."""
from .assignments import INVALID_USAGE_LOCATION, LicenseChange, LicenseRulesBroken, licenses_change
from .deleted_users import (
    Restored,
    deleted_users,
    deleted_users_purge,
    restorable_until,
    retention,
    user_delete,
    user_restore,
)
from .subscriptions import (
    subscription_buy,
    subscription_ensure_communications_credits,
    subscription_remove_licenses,
)
from .users import password_generate, user_add, user_licenses_set, user_profile_update

__all__ = [
    "INVALID_USAGE_LOCATION",
    "LicenseChange",
    "LicenseRulesBroken",
    "licenses_change",
    "subscription_buy",
    "subscription_ensure_communications_credits",
    "subscription_remove_licenses",
    "password_generate",
    "user_add",
    "user_licenses_set",
    "user_profile_update",
    "Restored",
    "deleted_users",
    "deleted_users_purge",
    "user_delete",
    "user_restore",
    "restorable_until",
    "retention",
]
