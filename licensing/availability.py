"""Where a service plan can be assigned: Calling Plans are sold in some countries only, Pay-As-You-Go by zone
(zone 1: US, PR, UK, CA; zone 2: the other Calling Plan countries). A plan the data does not list can be assigned
wherever a user has a usage location.

The countries are product facts kept as data (data/plan_usage_locations.csv), replaced in settings by
LICENSING_PLAN_USAGE_LOCATIONS ({plan name: [ISO codes]}); licenses_change refuses a license whose plan isn't
available in the user's usage location, and the license optimizer offers only the plans a user can have.
"""
import csv
import functools
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from core.validation import country_name

LOCATIONS_FILE = Path(__file__).parent / "data" / "plan_usage_locations.csv"


@functools.cache
def plan_usage_locations() -> dict[str, frozenset[str]]:
    """{service plan name: frozenset of ISO codes where it can be assigned}; plans left out are unrestricted."""
    configured = settings.LICENSING_PLAN_USAGE_LOCATIONS
    if configured is not None:
        return {plan: frozenset(codes) for plan, codes in configured.items()}
    with LOCATIONS_FILE.open(newline="", encoding="utf-8") as handle:
        return {row["plan"]: frozenset(row["usage_locations"].split()) for row in csv.DictReader(handle)}


def plan_available_in(plan_name: str, usage_location: str | None) -> bool:
    """Whether a user whose usage location is `usage_location` can hold `plan_name`."""
    allowed = plan_usage_locations().get(plan_name)
    return allowed is None or (usage_location or "").upper() in allowed


def not_available_message(plan_label: str, usage_location: str) -> str:
    """The refusal, in the words the assignment page and the optimizer's what-if both use."""
    where = country_name(usage_location) or usage_location
    return f"{plan_label} isn't available for users whose usage location is {where}."


@receiver(setting_changed)
def _forget_settings(*, setting, **kwargs):
    if setting == "LICENSING_PLAN_USAGE_LOCATIONS":
        plan_usage_locations.cache_clear()
