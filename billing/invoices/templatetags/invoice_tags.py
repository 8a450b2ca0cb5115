"""Template filters for money and call durations on invoice pages and PDFs (Decimal only, never float)."""
from decimal import Decimal

from django import template

register = template.Library()

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@register.filter
def money(value, currency="USD"):
    """-12.5 -> "-$12.50"; a currency without a symbol is written before the figure ("CHF 12.50")."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    symbol = _SYMBOLS.get(currency)
    figure = f"{abs(amount):,.2f}"
    text = f"{symbol}{figure}" if symbol else f"{currency} {figure}"
    return f"-{text}" if amount < 0 else text


@register.filter
def call_duration(seconds):
    """Seconds as h:mm:ss (or m:ss under an hour), the way the usage report shows durations."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def percent_rate(rate):
    """0.0825 -> "8.25%"; 0 -> "0%"."""
    percent = (rate * 100).normalize()
    return f"{percent:f}%"


@register.filter
def negate(value):
    """An amount taken off a balance; zero stays 0.00 rather than -0.00."""
    return -value if value else value


_BADGES = {"paid": "ok", "due": "warn", "pastDue": "bad"}


@register.filter
def status_badge(status_key):
    """The admin.css badge class of a payment status."""
    return _BADGES.get(status_key, "")
