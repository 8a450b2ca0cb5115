"""Card number checks any gateway needs before talking to a processor: digits, length, Luhn, brand, expiry."""
import datetime
import re
from typing import Any

from django.utils import timezone

from core.validation import is_whole

# (brand, prefix pattern, allowed lengths)
_BRANDS = (
    ("American Express", re.compile(r"^3[47]"), (15,)),
    ("Visa", re.compile(r"^4"), (13, 16, 19)),
    ("Mastercard", re.compile(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))"), (16,)),
    ("Discover", re.compile(r"^(6011|65|64[4-9])"), (16, 19)),
)


def digits_of(number):
    """The digits of a card number typed with spaces or dashes; '' when anything else is in it."""
    cleaned = re.sub(r"[\s-]", "", str(number or ""))
    return cleaned if is_whole(cleaned) else ""


def luhn_valid(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def brand_of(digits):
    for brand, pattern, lengths in _BRANDS:
        if pattern.match(digits) and len(digits) in lengths:
            return brand
    return None


def card_problem(number: object, exp_month: Any, exp_year: Any, cvc: object, *,
                 today: datetime.date | None = None) -> tuple[str, str] | None:
    """(field, message) for the first thing wrong with a card, or None. Never echoes the number back."""
    digits = digits_of(number)
    if not digits or not luhn_valid(digits) or brand_of(digits) is None:
        return "number", "Enter a valid card number (Visa, Mastercard, American Express or Discover)."
    try:
        month, year = int(exp_month), int(exp_year)
    except (TypeError, ValueError):
        return "exp_month", "Enter the expiration month (1-12) and the four-digit year."
    if not 1 <= month <= 12:
        return "exp_month", "Enter the expiration month as a number from 1 to 12."
    if not 2000 <= year <= 2099:
        return "exp_year", "Enter the expiration year with four digits, for example 2029."
    today = today or timezone.localdate()
    if (year, month) < (today.year, today.month):
        return "exp_year", f"This card expired in {month:02d}/{year}. Use a card that hasn't expired."
    if cvc not in (None, ""):
        expected = 4 if brand_of(digits) == "American Express" else 3
        if not is_whole(str(cvc)) or len(str(cvc)) != expected:
            return "cvc", f"Enter the {expected}-digit security code (CVC) from the card."
    return None
