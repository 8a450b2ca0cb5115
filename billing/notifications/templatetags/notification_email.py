"""Filters for notification emails: money and minutes written the way Microsoft's billing emails write them."""
from datetime import date
from decimal import Decimal

from django import template

from core.dates import date_text
from core.money import money_text

register = template.Library()


def _decimal(value, name):
    amount = getattr(value, "amount", value)  # djmoney's Money carries its Decimal in .amount
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        # A float here means a caller computed money in floating point: refuse rather than print it.
        raise TypeError(f"{name} must be a Decimal, Money, int or str, not {type(amount).__name__}")
    return Decimal(amount)


@register.filter
def usd(value):
    """Decimal('1234.5') -> '$1,234.50'."""
    return money_text(_decimal(value, "A money amount"))


@register.filter
def whole_usd(value):
    """Decimal('500') -> '$500' (low-balance levels are whole dollars)."""
    return money_text(_decimal(value, "A money amount"), whole=True)


@register.filter
def minutes(value):
    """300000 -> '300,000'."""
    return f"{_decimal(value, 'A number of minutes'):,.0f}"


@register.filter
def percent_of(used, total):
    """What share of `total` is `used`, as a whole percentage (pool emails)."""
    total = _decimal(total, "A pool's total minutes")
    if total <= 0:
        return "0%"
    return f"{(_decimal(used, 'Minutes used') * 100 / total):.0f}%"


@register.filter
def minus(value, other):
    """Minutes left in a pool: total|minus:used."""
    return _decimal(value, "A number") - _decimal(other, "A number")


@register.filter
def long_date(value):
    """date(2026, 12, 1) -> 'Dec 1, 2026' (core.dates, as pages and PDFs). Unlike |date, refuses what isn't a date."""
    if not isinstance(value, date):
        raise TypeError(f"A date was expected, not {type(value).__name__} {value!r}")
    return date_text(value)


@register.filter
def used_of(used, total):
    """240000|used_of:300000 -> '240,000 of 300,000 (80%)'."""
    return f"{minutes(used)} of {minutes(total)} ({percent_of(used, total)})"
