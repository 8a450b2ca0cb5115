"""Date ranges of reports: presets (last 7, 28, 90 days), custom ranges of up to one year, and their checks.

A range is whole UTC days, both ends included, as the admin centre shows them; queries use the half-open
instant range [start_at, end_at) so that a call at 23:59:59.9 on the last day is in and midnight after is out.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from billing.credits.rules import add_months
from core.validation import is_whole

REPORT_PRESETS = (7, 28, 90)
DASHBOARD_PRESETS = (28, 90, 365)
CUSTOM = "custom"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def earliest_day(today: date) -> date:
    """Reports and exports reach back one year: the same date a year ago is the oldest day allowed."""
    return add_months(today, -12)


@dataclass(frozen=True)
class DateRange:
    first_day: date
    last_day: date
    preset: int | None = None  # days of a preset, None for a custom range

    @property
    def start_at(self) -> datetime:
        return day_start(self.first_day)

    @property
    def end_at(self) -> datetime:
        return day_start(self.last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def choice(self) -> str:
        return str(self.preset) if self.preset else CUSTOM

    def each_day(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    def label(self) -> str:
        span = f"{self.first_day:%b} {self.first_day.day}, {self.first_day:%Y} – {self.last_day:%b} {self.last_day.day}, " \
               f"{self.last_day:%Y}"
        return f"Last {self.preset} days ({span})" if self.preset else span

    def as_parameters(self) -> dict[str, str]:
        return {"range": self.choice, "from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


def preset_range(days: int, *, today: date) -> DateRange:
    """The last `days` days, today included."""
    return DateRange(first_day=today - timedelta(days=days - 1), last_day=today, preset=days)


def _parse_day(raw: str | None, field: str) -> date:
    raw = (raw or "").strip()
    if not raw:
        raise ValidationError({field: "Enter a date (YYYY-MM-DD)."})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({field: f"'{raw}' is not a date; use the form YYYY-MM-DD, for example 2026-03-31."}) from None


def parse_date_range(data: Mapping[str, Any], *, today: date, presets: Sequence[int] = REPORT_PRESETS,
                     default: int = 28) -> DateRange:
    """The range asked for by `range` (a preset's days or "custom") with `from` and `to` (YYYY-MM-DD, included).

    Raises ValidationError naming the field: an unknown preset, a malformed or reversed date, a range longer
    than one year, a day before the one-year limit or after today.
    """
    choice = (data.get("range") or str(default)).strip()
    if choice != CUSTOM:
        if not is_whole(choice) or int(choice) not in presets:
            allowed = ", ".join(f"{days}" for days in presets)
            raise ValidationError({"range": f"'{choice}' is not a date range here; choose {allowed} days or a custom range."})
        return preset_range(int(choice), today=today)
    errors: dict[str, str | list[str]] = {}
    first: date | None = None
    last: date | None = None
    for field in ("from", "to"):
        try:
            if field == "from":
                first = _parse_day(data.get("from"), "from")
            else:
                last = _parse_day(data.get("to"), "to")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert first is not None and last is not None  # both parsed, or errors named them
    oldest = earliest_day(today)
    if last > today:
        errors["to"] = f"The end date {last:%Y-%m-%d} is in the future; the latest is today, {today:%Y-%m-%d}."
    if first > last:
        errors["from"] = f"The start date {first:%Y-%m-%d} is after the end date {last:%Y-%m-%d}."
    elif first.year < 9999 and last >= add_months(first, 12):  # a year after 9999-01-01 is past date.max
        errors["to"] = "A custom range can be at most one year long."
    if first < oldest:
        errors["from"] = f"Reports reach back one year: the earliest start date is {oldest:%Y-%m-%d}."
    if errors:
        raise ValidationError(errors)
    return DateRange(first_day=first, last_day=last)
