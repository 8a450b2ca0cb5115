"""Template filters for money on the credits pages: dollars with thousands separators, signed ledger amounts."""
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def usd(value):
    """$1,234.56; an empty value shows as a dash."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


@register.filter
def usd_whole(value):
    """$1,000 for the whole-dollar amounts of settings and recommendations."""
    if value is None or value == "":
        return "—"
    return f"${Decimal(value):,.0f}"


@register.filter
def usd_signed(value):
    """+$100.00 for credits, −$0.25 for debits (a real minus sign, as the admin centre shows)."""
    value = Decimal(value)
    return f"+${value:,.2f}" if value > 0 else f"\u2212${-value:,.2f}"


@register.filter
def unused_of(forecast, lot_id):
    """What the forecast says the burn won't use of this lot before it expires (None: not held now)."""
    return forecast.unused_of(lot_id) if forecast is not None else None
