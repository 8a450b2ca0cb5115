"""Validators shared by forms, services and commands: countries, domains, phone numbers."""
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django_countries import countries

_DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def clean_country(value: str | None, *, field: str = "country", allow_blank: bool = False) -> str:
    code = (value or "").strip().upper()
    if not code and allow_blank:
        return ""
    if code not in dict(countries):
        raise ValidationError({field: f"'{value}' is not an ISO 3166 two-letter country code (for example US, GB, DE)."})
    return code


def clean_domain(value: str | None, *, field: str = "domain") -> str:
    domain = (value or "").strip().lower()
    if not _DOMAIN_RE.match(domain):
        raise ValidationError({field: f"'{value}' is not a valid domain name (for example contoso.example)."})
    return domain


def clean_phone(value: str | None, *, region: str | None = None, field: str = "phone_number") -> str:
    """Returns the number in E.164 form, or '' for a blank value."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        message = f"'{raw}' is not a phone number; use the international form, for example +1 425 555 0100."
        raise ValidationError({field: message}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({field: f"'{raw}' is not a valid phone number for its country."})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_name(code: str | None) -> str:
    return countries.name(code) if code else ""
