"""Cleaning what the telephony platform sends about a call: ids, types, times, durations and numbers.

Each function returns the clean value or raises ValidationError naming the field (the service's snake_case
name; the API renames it to camelCase). Shared by authorize, complete and the call-record import.
"""
import datetime
import functools
import math
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.validation import is_whole, reject_nul

from .models import CallType
from .models.calls import CALL_ID_MAX_LENGTH
from .numbers import InvalidNumber, NumberType, PhoneNumber, parse_number
from .rules import call_limits

# Short dialling codes an emergency call may carry instead of a full number (911, 112, 999, 000, 1-1-2 ...).
_EMERGENCY_CODE = re.compile(r"^\+?[0-9]{2,6}$")
_CALL_ID = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces: Teams call ids are GUIDs or opaque tokens
_CALL_TYPES = {call_type.value: call_type for call_type in CallType}


def clean_call_id(value, *, field="call_id"):
    text = str(value or "").strip() if not isinstance(value, bool | int | float) else ""
    if not text:
        raise ValidationError({field: "A call id is required."})
    if len(text) > CALL_ID_MAX_LENGTH:
        raise ValidationError({field: f"The call id is longer than {CALL_ID_MAX_LENGTH} characters."})
    if not _CALL_ID.match(text):
        raise ValidationError({field: f"'{text}' is not a call id: use letters, digits and punctuation without spaces."})
    return text


def clean_call_type(value, *, field="call_type", allowed=None):
    text = str(value or "").strip()
    if text not in _CALL_TYPES:
        raise ValidationError({field: f"'{text}' is not a call type; use one of {', '.join(CallType.values)}."})
    if allowed is not None and text not in allowed:
        raise ValidationError({field: f"'{text}' calls cannot be sent here; use one of {', '.join(sorted(allowed))}."})
    return _CALL_TYPES[text]


def clean_datetime(value, *, field):
    """An aware datetime in UTC from a datetime or an ISO 8601 string with a time zone."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValidationError({field: "A date and time is required, for example 2026-08-01T09:30:00Z."})
        try:
            moment = datetime.datetime.fromisoformat(reject_nul(text, field=field))
        except ValueError:
            raise ValidationError({field: f"'{text}' is not a date and time, for example 2026-08-01T09:30:00Z."}) from None
    if timezone.is_naive(moment):
        raise ValidationError({field: f"'{value}' has no time zone; end it with Z (UTC) or an offset such as +02:00."})
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00, 0001-01-01T00:00:00+14:00: no such instant in UTC
        raise ValidationError({field: f"'{text}' is outside the range of dates a call can have."}) from None


def clean_start(value, *, field="start_at", now=None, limits=None):
    start = clean_datetime(value, field=field)
    now = now or timezone.now()
    skew = (limits or call_limits()).start_skew_seconds
    if (start - now).total_seconds() > skew:
        raise ValidationError({field: f"The call starts at {start:%Y-%m-%d %H:%M:%S} UTC, in the future."})
    if start.year < 2000:
        raise ValidationError({field: f"{start:%Y-%m-%d} is not a date calls were made on."})
    return start


def clean_duration(value, *, field="duration_seconds", limits=None):
    """Whole seconds, 0 or more, at most the longest call the service accepts."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError({field: "The duration in whole seconds is required."})
    try:
        number = int(value) if isinstance(value, int) else _whole(value)
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError({field: f"'{value}' is not a whole number of seconds."}) from None
    if number < 0:
        raise ValidationError({field: f"A call cannot last {number} seconds: the duration must be 0 or more."})
    limit = (limits or call_limits()).max_record_seconds
    if number > limit:
        raise ValidationError({field: f"{number:,} seconds is longer than any call ({limit // 3600} hours)."})
    return number


def _whole(value):
    text = str(value).strip()
    number = float(text) if not is_whole(text) else int(text)
    if isinstance(number, float):
        if not math.isfinite(number) or number != int(number):
            raise ValueError(text)
        number = int(number)
    return number


def duration_between(start, end, *, field="end_at", limits=None):
    if end < start:
        raise ValidationError({field: f"The call ends ({end:%Y-%m-%d %H:%M:%S} UTC) before it starts "
                                      f"({start:%Y-%m-%d %H:%M:%S} UTC)."})
    return clean_duration(math.ceil((end - start).total_seconds()), field=field, limits=limits)


@functools.lru_cache(maxsize=200_000)
def _parse_cached(raw: str) -> PhoneNumber:
    return parse_number(raw)


def clean_number(value: object, *, field: str) -> PhoneNumber:
    """A PhoneNumber from E.164 text; the error names the field and what is wrong with the number."""
    if isinstance(value, PhoneNumber):
        return value
    text = str(value or "").strip() if isinstance(value, str) else ""
    try:
        return _parse_cached(text) if text else parse_number(text)
    except InvalidNumber as exc:
        raise ValidationError({field: exc.message}) from None


def clean_optional_number(value: object, *, field: str) -> PhoneNumber | None:
    return clean_number(value, field=field) if str(value or "").strip() else None


def shown_number(number: PhoneNumber) -> str:
    """How a number is stored on a call: E.164, or the short code an emergency call dialled."""
    return number.e164 or number.international


def clean_emergency_number(value: object, *, field: str) -> PhoneNumber:
    """An emergency call may dial a short code (911, 112) as well as a full number; either is accepted."""
    text = str(value or "").strip()
    if _EMERGENCY_CODE.match(text):
        digits = text.lstrip("+")
        return PhoneNumber(e164="", country="", number_type=NumberType.UNKNOWN, international=digits)
    return clean_number(text, field=field)
