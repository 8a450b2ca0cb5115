"""The one way the product writes a date or an instant for people: pages, PDFs and emails ("Jun 17, 2026").

The product's calendar is UTC (docs/ARCHITECTURE.md), so an instant is written in UTC and says so.
"""
import datetime

from django.utils import dateformat, timezone

DATE_FORMAT = "M j, Y"  # Jun 17, 2026
DATETIME_FORMAT = "M j, Y, H:i"  # Jun 17, 2026, 09:30 (followed by " UTC")


def date_text(value, *, empty="—") -> str:
    """A day as people read it: "Jun 17, 2026". An instant is taken as its UTC day."""
    if value in (None, ""):
        return empty
    if isinstance(value, str):
        value = _parse(value)
        if isinstance(value, str):
            return value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, datetime.UTC).date() if timezone.is_aware(value) else value.date()
    return dateformat.format(value, DATE_FORMAT)


def datetime_text(value, *, empty="—") -> str:
    """An instant as people read it: "Jun 17, 2026, 09:30 UTC"."""
    if value in (None, ""):
        return empty
    if isinstance(value, str):
        value = _parse(value)
        if isinstance(value, str):
            return value
    if not isinstance(value, datetime.datetime):
        return date_text(value, empty=empty)
    if timezone.is_aware(value):
        value = timezone.localtime(value, datetime.UTC)
    return f"{dateformat.format(value, DATETIME_FORMAT)} UTC"


def _parse(text):
    """An ISO date or instant from stored JSON (the audit log's before and after), or the text unchanged."""
    try:
        return datetime.date.fromisoformat(text) if len(text) == 10 else datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
