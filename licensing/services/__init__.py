"""Writes of licensing: subscriptions and their quantity ledger, licence assignment, users on Active users."""
from .subscriptions import (
    subscription_buy,
    subscription_ensure_communications_credits,
    subscription_remove_licenses,
)

__all__ = [
    "subscription_buy",
    "subscription_ensure_communications_credits",
    "subscription_remove_licenses",
]
