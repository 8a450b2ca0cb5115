"""Date ranges of the reports: presets, custom ranges, and every way a range can be wrong."""
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from reporting.periods import DASHBOARD_PRESETS, parse_date_range

TODAY = date(2026, 11, 26)


def test_a_preset_is_the_last_days_with_today_included():
    period = parse_date_range({"range": "7"}, today=TODAY)
    assert (period.first_day, period.last_day, period.days) == (date(2026, 11, 20), TODAY, 7)
    assert period.start_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert period.end_at == datetime(2026, 11, 27, tzinfo=UTC)


def test_no_range_means_the_last_28_days():
    assert parse_date_range({}, today=TODAY).days == 28


def test_a_custom_range_includes_both_days():
    period = parse_date_range({"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}, today=TODAY)
    assert period.days == 31 and period.preset is None
    assert period.end_at == datetime(2026, 4, 1, tzinfo=UTC)


def test_a_custom_range_may_be_one_year_less_a_day_but_no_longer():
    assert parse_date_range({"range": "custom", "from": "2025-11-27", "to": "2026-11-26"}, today=TODAY).days == 365
    with pytest.raises(ValidationError) as caught:
        parse_date_range({"range": "custom", "from": "2025-11-26", "to": "2026-11-26"}, today=TODAY)
    assert caught.value.message_dict["to"] == ["A custom range can be at most one year long."]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"range": "custom", "from": "2026-03-31", "to": "2026-03-01"}, "from",
     "The start date 2026-03-31 is after the end date 2026-03-01."),
    ({"range": "custom", "from": "31/03/2026", "to": "2026-04-01"}, "from",
     "'31/03/2026' is not a date; use the form YYYY-MM-DD, for example 2026-03-31."),
    ({"range": "custom", "to": "2026-04-01"}, "from", "Enter a date (YYYY-MM-DD)."),
    ({"range": "custom", "from": "2026-11-01", "to": "2026-12-01"}, "to",
     "The end date 2026-12-01 is in the future; the latest is today, 2026-11-26."),
    ({"range": "custom", "from": "2025-10-01", "to": "2025-10-31"}, "from",
     "Reports reach back one year: the earliest start date is 2025-11-26."),
    ({"range": "30"}, "range", "'30' is not a date range here; choose 7, 28, 90 days or a custom range."),
    ({"range": "<script>"}, "range", "'<script>' is not a date range here; choose 7, 28, 90 days or a custom range."),
])
def test_a_wrong_range_is_an_error_naming_its_field(data, field, message):
    with pytest.raises(ValidationError) as caught:
        parse_date_range(data, today=TODAY)
    assert caught.value.message_dict[field] == [message]


def test_the_dashboard_offers_its_own_presets():
    assert parse_date_range({"range": "365"}, today=TODAY, presets=DASHBOARD_PRESETS).first_day == date(2025, 11, 27)
    with pytest.raises(ValidationError):
        parse_date_range({"range": "7"}, today=TODAY, presets=DASHBOARD_PRESETS)
