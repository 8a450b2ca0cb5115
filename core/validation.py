"""Validators shared by forms, services and commands: countries, domains, phone numbers."""
import re
from typing import Any

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


# --- Input cleaning shared by every door (forms, query strings, JSON bodies, serializers) -----------------------------
# Python's str.isdigit() accepts "²" and other Unicode digits that int() refuses, strings may carry NUL bytes that
# PostgreSQL refuses, and datetime arithmetic overflows at the edges of its range: each of these reached a 500 before
# the checks below. A door cleans its input here and answers 400 (pages: the form re-rendered) naming the field.

_WHOLE_RE = re.compile(r"[0-9]+")
NUL_MESSAGE = "Must not contain NUL (\\u0000) characters."


def is_whole(text: object) -> bool:
    """True for a non-empty run of ASCII digits only (never "²", "١" or " 1")."""
    return isinstance(text, str) and _WHOLE_RE.fullmatch(text) is not None


def strict_int(value, *, field, low=None, high=None, message=None):
    """`value` (text of ASCII digits, surrounding blanks allowed, or an int that is not a bool) as an int within
    [low, high]; otherwise ValidationError({field: message or a sentence naming the bounds})."""
    if isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        number = int(text) if is_whole(text) and len(text) <= 18 else None
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        if message is None:
            bounds = (f" from {low} to {high}" if low is not None and high is not None
                      else f" of at least {low}" if low is not None else f" of at most {high}" if high is not None else "")
            message = f"'{_shown(value)}' is not a whole number{bounds}."
        raise ValidationError({field: message})
    return number


def _shown(value, limit=40):
    text = "" if value is None else str(value)
    text = text.replace("\x00", "\\0")
    return text if len(text) <= limit else text[:limit] + "…"


def model_max_length(model: Any, name: str) -> int | None:
    """The max_length of `model`'s field `name` (None for an unbounded text field)."""
    length: int | None = model._meta.get_field(name).max_length
    return length


def clean_text(value: object, *, field: str, max_length: int | None = None, model: Any = None,
               model_field: str | None = None, required: bool = False, strip: bool = True) -> str:
    """`value` as text fit for a column: a string (not a list, number or object), without NUL bytes, no longer than
    `max_length` (or the max_length of `model`'s field `model_field`, default `field`). None is ''."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip() if strip else value
    else:
        raise ValidationError({field: f"Give text here, not {json_type(value)}."})
    if "\x00" in text:
        raise ValidationError({field: NUL_MESSAGE})
    if max_length is None and model is not None:
        max_length = model_max_length(model, model_field or field)
    if max_length is not None and len(text) > max_length:
        raise ValidationError({field: f"Enter at most {max_length} characters (this has {len(text)})."})
    if required and not text:
        raise ValidationError({field: "This is required."})
    return text


def reject_nul(value, *, field):
    """`value` unchanged when it carries no NUL byte (any type); otherwise ValidationError naming `field`."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError({field: NUL_MESSAGE})
    return value


def query_nul_field(params):
    """The name of the first query-string parameter (or its value) carrying a NUL byte, else None."""
    for name in params:
        if "\x00" in name:
            return _shown(name)
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        if any(isinstance(item, str) and "\x00" in item for item in values):
            return name
    return None


def json_type(value):
    """The JSON name of a Python value's type, for messages ("an array", "a number")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def clean_datetime(value, *, field, default_tz=None):
    """An ISO 8601 instant (a 'Z' or an offset; `default_tz` for one without) as an aware datetime in UTC.

    Refuses text that is not a date-time, a NUL byte, and instants that do not exist in UTC within Python's range
    (9999-12-31T23:59:59-14:00 is after datetime.max in UTC; 0001-01-01T00:00:00+14:00 before datetime.min)."""
    import datetime as _dt

    if not isinstance(value, str):
        raise ValidationError({field: f"Give a date and time as text, not {json_type(value)}."})
    text = reject_nul(value, field=field).strip()
    example = "for example 2026-06-17T09:30:00Z"
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError({field: f"'{_shown(value)}' is not an ISO 8601 date-time; {example}."}) from None
    if moment.tzinfo is None:
        if default_tz is None:
            raise ValidationError({field: f"'{_shown(value)}' has no time zone; add Z or an offset, {example}."})
        moment = moment.replace(tzinfo=default_tz)
    try:
        return moment.astimezone(_dt.UTC)
    except OverflowError:
        raise ValidationError({field: f"'{_shown(value)}' is outside the supported range of dates."}) from None


def clean_date(value, *, field, earliest=None, latest=None):
    """A calendar day written YYYY-MM-DD (ASCII digits only), optionally within [earliest, latest]."""
    import datetime as _dt

    if not isinstance(value, str):
        raise ValidationError({field: f"Give a date as text (YYYY-MM-DD), not {json_type(value)}."})
    text = reject_nul(value, field=field).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValidationError({field: f"'{_shown(value)}' is not a date; use the form YYYY-MM-DD, for example 2026-03-31."})
    try:
        day = _dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({field: f"'{_shown(value)}' is not a date; use the form YYYY-MM-DD."}) from None
    if earliest is not None and day < earliest:
        raise ValidationError({field: f"{field} must be {earliest:%Y-%m-%d} or later."})
    if latest is not None and day > latest:
        raise ValidationError({field: f"{field} must be {latest:%Y-%m-%d} or earlier."})
    return day


def nul_path(data, prefix=""):
    """The dotted path ('holderName', 'records[2].userPrincipalName') of the first string in parsed JSON that carries
    a NUL byte, in a value or a name; '' for the document itself; None when there is none."""
    if isinstance(data, str):
        return prefix if "\x00" in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(key, str) and "\x00" in key:
                return _shown(name)
            found = nul_path(value, name)
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = nul_path(value, f"{prefix}[{index}]")
            if found is not None:
                return found
    return None
