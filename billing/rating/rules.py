"""Product facts of calling (PRODUCT.md) kept as data: conferencing Zone A, countries sharing a pool, plans, limits.

Each value can be replaced in settings (names below) without a code change. They are read once per process and
read again when a setting changes (Django's setting_changed, which tests' override_settings sends).
"""
import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

ZONE_A_FILE = Path(__file__).parent / "data" / "conferencing_zone_a.csv"

TEAMS_PHONE = "MCOEV"
AUDIO_CONFERENCING = "MCOMEETADV"
COMMUNICATIONS_CREDITS = "MCOPSTNC"
PAY_AS_YOU_GO_PLANS = ("MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2")
# A user holding two calling plans (rare, but licenses allow it) is served by the first one here: the one
# that includes the most.
CALLING_PLANS_BY_PRECEDENCE = ("MCOPSTN2", "MCOPSTN1", "MCOPSTN_6", "MCOPSTN5", "MCOPSTN8", *PAY_AS_YOU_GO_PLANS)
# Service plan -> the Capability the usage report names when its minutes paid for a call.
POOL_CAPABILITY = {"MCOPSTN1": "MCOPSTN1", "MCOPSTN2": "MCOPSTN2", "MCOPSTN5": "MCOPSTN5", "MCOPSTN_6": "MCOPSTN6",
                   "MCOPSTN8": "MCOPSTN8", AUDIO_CONFERENCING: "MCOMEETADD"}


@functools.cache
def _zone_a_from_file() -> frozenset[str]:
    with ZONE_A_FILE.open(newline="", encoding="utf-8") as handle:
        return frozenset(row["country"] for row in csv.DictReader(handle))


@functools.cache
def zone_a_countries() -> frozenset[str]:
    """ISO codes of the countries whose non-premium numbers the conferencing dial-out pool pays for."""
    configured = settings.RATING_CONFERENCING_ZONE_A
    return frozenset(configured) if configured is not None else _zone_a_from_file()


@functools.cache
def _pool_country_groups() -> dict[str, str]:
    return dict(settings.RATING_POOL_COUNTRY_GROUPS)


def pool_country(country: str | None) -> str:
    """The country whose pool serves users located in `country`: Puerto Rico shares the United States' pool."""
    country = (country or "").upper()
    return _pool_country_groups().get(country, country)


def is_domestic(destination_country: str | None, home_country: str | None) -> bool:
    """A call is domestic when it stays within the caller's pool country (US and PR count as one)."""
    return bool(destination_country) and pool_country(destination_country) == pool_country(home_country)


@dataclass(frozen=True)
class CallLimits:
    max_call_seconds: int  # the longest call one authorization allows
    authorization_grace_seconds: int  # how long after that an uncompleted authorization is kept
    max_record_seconds: int  # a longer duration is refused as absurd
    start_skew_seconds: int  # how far in the future a call may say it starts (clock differences)
    import_batch_rows: int


@functools.cache
def call_limits() -> CallLimits:
    return CallLimits(
        max_call_seconds=settings.RATING_MAX_CALL_MINUTES * 60,
        authorization_grace_seconds=settings.RATING_AUTHORIZATION_GRACE_MINUTES * 60,
        max_record_seconds=settings.RATING_MAX_RECORD_HOURS * 3600,
        start_skew_seconds=settings.RATING_START_SKEW_SECONDS,
        import_batch_rows=settings.RATING_IMPORT_BATCH_ROWS,
    )


@receiver(setting_changed)
def _forget_settings(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("RATING_"):
        for reader in (zone_a_countries, _pool_country_groups, call_limits):
            reader.cache_clear()
