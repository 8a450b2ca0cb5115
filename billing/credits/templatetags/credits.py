"""Template filters for money on the credits pages: dollars with thousands separators, signed ledger amounts."""
from decimal import Decimal

from django import template

from core.money import money_text

register = template.Library()


@register.filter
def usd(value):
    """$1,234.56; an empty value shows as a dash (core.money.money_text)."""
    return money_text(value)


@register.filter
def usd_whole(value):
    """$1,000 for the whole-dollar amounts of settings and recommendations."""
    if value is None or value == "":
        return "—"
    return f"${Decimal(value):,.0f}"


@register.filter
def usd_signed(value):
    """+$100.00 for credits, −$0.25 for debits (core.money.money_text, with a real minus sign as the admin centre
    shows in its transaction lists)."""
    return money_text(value, signed=True).replace("-", "\u2212", 1)


@register.filter
def unused_of(forecast, lot_id):
    """What the forecast says the burn won't use of this lot before it expires (None: not held now)."""
    return forecast.unused_of(lot_id) if forecast is not None else None
