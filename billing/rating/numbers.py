"""Phone numbers for rating and reports: parse, validate, normalise to E.164, name the country and number type."""
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django_countries import countries
from phonenumbers import PhoneNumberType, ValidationResult

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a development dependency: for annotations only

# Beyond this a string is not a phone number, whatever it holds; phonenumbers itself allows 250.
MAX_INPUT_LENGTH = 64


class NumberType(models.TextChoices):
    """Number types of rate rows and of the reports; `unknown` only ever describes a dialled number."""

    FIXED = "fixed", "Fixed"
    MOBILE = "mobile", "Mobile"
    TOLL_FREE = "toll-free", "Toll-free"
    PREMIUM = "premium", "Premium"
    SHARED_COST = "shared-cost", "Shared cost"
    UNKNOWN = "unknown", "Unknown"


_TYPES = {
    PhoneNumberType.FIXED_LINE: NumberType.FIXED,
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    # NANP mobiles share area codes with landlines, so phonenumbers cannot tell them apart; the deck
    # rates the whole range as fixed ("United States - Fixed and mobile") and the reports follow it.
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM,
    PhoneNumberType.SHARED_COST: NumberType.SHARED_COST,
}

_IMPOSSIBLE = {
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "not a possible length",
}

_UNPARSABLE = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "it does not start with a country calling code; write it as +<country code> <number>, for example +44 20 7946 0000"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "use digits in international format, for example +44 20 7946 0000",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "it is too short",
    phonenumbers.NumberParseException.TOO_LONG: "it is too long",
}



class InvalidNumber(ValidationError):
    """A malformed or impossible number; the message names the number and what is wrong with it."""

    def __init__(self, number: str, reason: str) -> None:
        self.number = number
        self.reason = reason
        message = f"'{number}' is not a valid phone number: {reason}." if number else f"Enter a phone number: {reason}."
        super().__init__(message, code="invalid_number")

    def __str__(self) -> str:
        return str(self.message)  # the message built above (django-stubs: str or a lazy string)


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A valid number in E.164 form with what the reports say about it."""

    e164: str
    country: str  # ISO 3166-1 alpha-2; "" for non-geographic numbers such as +800 international freephone
    number_type: NumberType
    international: str  # "+44 20 7946 0000"

    @property
    def digits(self) -> str:
        """E.164 without the '+': the form rate-deck prefixes are written in."""
        return self.e164[1:]

    @property
    def country_name(self) -> str:
        return countries.name(self.country) if self.country else "International"

    @property
    def number_type_label(self) -> "StrOrPromise":
        return self.number_type.label

    def as_json(self) -> dict[str, str]:
        return {"e164": self.e164, "international": self.international, "country": self.country,
                "countryName": self.country_name, "numberType": str(self.number_type)}


def parse_number(raw: Any, *, region: str | None = None) -> PhoneNumber:
    """Parses `raw` into a PhoneNumber or raises InvalidNumber naming it.

    A number with '+' is international. Without '+', a number is read in the national format of `region`
    when one is given (a user's usage location), and otherwise as E.164 digits without the '+' (the
    deck's form, and what '+' turns into in an unencoded query string).
    """
    shown = text = str(raw or "").strip()
    if not text:
        raise InvalidNumber("", "use international format, for example +44 20 7946 0000")
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidNumber(text[:MAX_INPUT_LENGTH] + "…", "it is too long")
    if not text.startswith("+") and region is None:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(shown, _UNPARSABLE.get(exc.error_type, "it is not a phone number")) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        raise InvalidNumber(shown, f"+{number.country_code} is not a country calling code")
    if possible != ValidationResult.IS_POSSIBLE:
        place = _place(number)
        raise InvalidNumber(shown, f"{_IMPOSSIBLE.get(possible, 'not a possible number')} for {place}")
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber(shown, f"no such number range is in use in {_place(number)}")
    region_code = phonenumbers.region_code_for_number(number) or ""
    return PhoneNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country=region_code if region_code in countries else "",
        number_type=_TYPES.get(phonenumbers.number_type(number), NumberType.UNKNOWN),
        international=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def _place(number: phonenumbers.PhoneNumber) -> str:
    assert number.country_code is not None, "phonenumbers.parse() sets the country code"
    region = phonenumbers.region_code_for_country_code(number.country_code)
    if region in countries:
        return f"{countries.name(region)} (+{number.country_code})"
    return f"+{number.country_code} numbers"
