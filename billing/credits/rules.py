"""Product rules of Communications Credits: amount limits, lot lifetime, who may buy, and amount parsing.

The numbers are product facts (PRODUCT.md) kept as settings with these defaults, so an operator can
change them without a code change; every door and service reads them from here.
"""
import calendar
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver

from accounts.models import Tenant
from core.money import CENT as CENT  # re-exported: the credits services import it from here
from core.validation import is_whole

When = TypeVar("When", date, datetime)


@dataclass(frozen=True)
class Limits:
    minimum_purchase: Decimal
    minimum_auto_recharge: Decimal
    maximum_amount: Decimal
    maximum_charge: Decimal
    lot_lifetime_months: int
    reservation_lifetime: timedelta
    failures_before_pause: int


@functools.cache
def limits() -> Limits:
    """Read once per process, and again when a CREDITS_ setting changes (override_settings sends setting_changed)."""
    return Limits(
        minimum_purchase=Decimal(settings.CREDITS_MINIMUM_PURCHASE),
        # The portal refuses a trigger (and a recharge) under 50: "Please enter a whole number greater than or equal to 50".
        minimum_auto_recharge=Decimal(settings.CREDITS_MINIMUM_AUTO_RECHARGE),
        maximum_amount=Decimal(settings.CREDITS_MAXIMUM_AMOUNT),
        maximum_charge=Decimal(settings.CREDITS_MAXIMUM_CHARGE),
        lot_lifetime_months=int(settings.CREDITS_LOT_LIFETIME_MONTHS),
        reservation_lifetime=timedelta(minutes=int(settings.CREDITS_RESERVATION_MINUTES)),
        failures_before_pause=int(settings.CREDITS_RECHARGE_FAILURES_BEFORE_PAUSE),
    )


@receiver(setting_changed)
def _forget_limits(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CREDITS_"):
        limits.cache_clear()


def add_months(moment: When, months: int) -> When:
    """The same day `months` later, clamped to the month's last day (Feb 29 + 12 months = Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def lot_expiry(purchased_at: datetime) -> datetime:
    return add_months(purchased_at, limits().lot_lifetime_months)


def _whole_number_message(minimum: Decimal | int) -> str:
    return f"Please enter a whole number greater than or equal to {minimum:,.0f}"


def clean_whole_dollars(value: object, *, field: str, minimum: Decimal | int, maximum: Decimal | int | None = None) -> Decimal:
    """A whole-dollar amount from a form string, a JSON number or a Decimal; floats are refused outright.

    Anything that is not a whole number within [minimum, maximum] raises ValidationError naming `field`.
    """
    maximum = limits().maximum_amount if maximum is None else maximum
    if isinstance(value, float | bool):
        raise ValidationError({field: _whole_number_message(minimum)})
    text = str(value).strip().replace(",", "") if value is not None else ""
    if text.startswith("$"):
        text = text[1:].strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: _whole_number_message(minimum)}) from None
    if not amount.is_finite() or amount != amount.to_integral_value() or amount < minimum:
        raise ValidationError({field: _whole_number_message(minimum)})
    if amount > maximum:
        raise ValidationError({field: f"Please enter a whole number less than or equal to {maximum:,.0f}"})
    return amount.quantize(CENT)


def clean_charge(value: object, *, field: str = "amount") -> Decimal:
    """A positive charge in dollars and cents (call and toll-free charges have two decimals)."""
    if isinstance(value, float | bool) or value is None:
        raise ValidationError({field: "Give the charge as a Decimal with at most two decimals, for example 0.25."})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: f"'{value}' is not an amount of money."}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: "The charge must be greater than zero."})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: f"{amount} has more than two decimals; charges are in whole cents."})
    if amount > limits().maximum_charge:
        raise ValidationError({field: f"A single charge can't exceed ${limits().maximum_charge:,.2f}."})
    return amount.quantize(CENT)


def clean_idempotency_key(value: str | None, *, field: str = "idempotency_key") -> str:
    key = (value or "").strip()
    if not key:
        raise ValidationError({field: "An idempotency key is required so that a retried request is never charged twice."})
    if len(key) > 200:
        raise ValidationError({field: "The idempotency key is longer than 200 characters."})
    return key


REGION_MISMATCH = (
    "Your organization is homed in a different country or region than the billing address of its agreement, so "
    "Communications Credits can't be purchased for it. Open a support incident from the admin center and we will work "
    "with you to mitigate this issue until a permanent solution is in place."
)
MCA_ACCOUNT = (
    "Communications Credits can't be purchased with a Microsoft Customer Agreement billing account. "
    "Contact your Microsoft representative to buy them through another billing account."
)


def purchase_refusal(tenant: Tenant) -> str | None:
    """Why this tenant's billing account can't buy credits, in the product's own words, or None when it can."""
    if tenant.billing_account_kind == Tenant.BillingAccountKind.MCA:
        return MCA_ACCOUNT
    if tenant.country != tenant.billing_country:
        return REGION_MISMATCH
    return None


def invoice_payment_eligible(tenant: Tenant) -> bool:
    """Invoice payment is for Enterprise Agreement billing accounts that have an agreement number."""
    return tenant.billing_account_kind == Tenant.BillingAccountKind.EA and bool(tenant.agreement_number)


DEFAULT_COVER_DAYS = 14
MAXIMUM_COVER_DAYS = 90


def clean_cover_days(value: object, *, field: str = "days_of_cover") -> int:
    """The recharge advisor's days of cover: a whole number of days from 1 to 90; blank is the default (14)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return DEFAULT_COVER_DAYS
    if isinstance(value, float | bool) or not is_whole(text) or not 1 <= int(text) <= MAXIMUM_COVER_DAYS:
        raise ValidationError({field: f"Give the days of cover as a whole number from 1 to {MAXIMUM_COVER_DAYS}."})
    return int(text)
