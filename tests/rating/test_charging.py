"""charge_for: billing increments rounded up, the connection fee, and one ROUND_HALF_UP at the cent per call."""
import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from djmoney.money import Money

from billing.rating.charging import billable_seconds_for, charge_for
from billing.rating.selectors import rate_for


def rate(price, fee="0.00", first=60, step=60):
    return SimpleNamespace(price_per_minute=Money(price, "USD"), connection_fee=Money(fee, "USD"),
                           first_increment=first, increment=step)


@pytest.mark.parametrize(
    ("price", "fee", "first", "step", "seconds", "billable", "charge"),
    [
        # The example: 61 s to a mobile at $0.20/min, 60/60.
        ("0.2000", "0.00", 60, 60, 61, 120, "0.40"),
        ("0.2000", "0.15", 60, 60, 61, 120, "0.55"),
        # Unanswered calls cost nothing, connection fee included.
        ("0.2000", "0.15", 60, 60, 0, 0, "0.00"),
        ("0.2000", "0.00", 60, 60, 1, 60, "0.20"),
        ("0.2000", "0.00", 60, 60, 60, 60, "0.20"),
        ("0.2000", "0.00", 60, 60, 3600, 3600, "12.00"),
        ("0.2000", "0.00", 60, 60, 3601, 3660, "12.20"),
        # Per-second billing.
        ("0.0600", "0.00", 1, 1, 1, 1, "0.00"),
        ("0.0600", "0.00", 1, 1, 10, 10, "0.01"),
        ("0.0600", "0.00", 1, 1, 125, 125, "0.13"),
        # 30/6: the first 30 s, then 6-second steps.
        ("0.1000", "0.00", 30, 6, 1, 30, "0.05"),
        ("0.1000", "0.00", 30, 6, 31, 36, "0.06"),
        ("0.1000", "0.00", 30, 6, 36, 36, "0.06"),
        ("0.1000", "0.00", 30, 6, 37, 42, "0.07"),
        # Half a cent rounds up: 0.0190 x 15/60 = 0.00475 -> 0.00; 0.0300 x 10/60 = 0.005 -> 0.01.
        ("0.0190", "0.00", 1, 1, 15, 15, "0.00"),
        ("0.0300", "0.00", 1, 1, 10, 10, "0.01"),
        ("0.0300", "0.00", 1, 1, 9, 9, "0.00"),
        # 0.0240 x 37/60 = 0.0148 -> 0.01 plus the fee.
        ("0.0240", "0.25", 1, 1, 37, 37, "0.26"),
        # 2.7500 x 61 minutes, UK premium with its 0.25 fee.
        ("2.7500", "0.25", 60, 60, 3601, 3660, "168.00"),
        ("0.0000", "0.10", 60, 60, 30, 60, "0.10"),
    ],
)
def test_charges_follow_increments_and_round_once_at_the_cent(price, fee, first, step, seconds, billable, charge):
    rated = charge_for(rate=rate(price, fee, first, step), duration_seconds=seconds)

    assert rated == (billable, Money(charge, "USD"))
    assert rated.billable_seconds == billable
    assert rated.charge.amount.as_tuple().exponent == -2


def test_rounding_after_adding_the_fee_equals_rounding_before_because_fees_are_whole_cents():
    for seconds in range(1, 400):
        for fee in ("0.00", "0.05", "0.25"):
            rated = charge_for(rate=rate("0.0190", fee, 1, 1), duration_seconds=seconds)
            usage_only = charge_for(rate=rate("0.0190", "0.00", 1, 1), duration_seconds=seconds)
            assert rated.charge.amount == usage_only.charge.amount + Decimal(fee)


def test_charges_kept_for_equal_inputs_never_answer_for_another_fee_currency_or_duration():
    assert charge_for(rate=rate("0.2000", "0.00"), duration_seconds=61) == (120, Money("0.40", "USD"))
    assert charge_for(rate=rate("0.2000", "0.15"), duration_seconds=61) == (120, Money("0.55", "USD"))
    assert charge_for(rate=rate("0.2", "0.0"), duration_seconds=61) == (120, Money("0.40", "USD"))
    in_euros = SimpleNamespace(price_per_minute=Money("0.2000", "EUR"), connection_fee=Money("0.00", "EUR"),
                               first_increment=60, increment=60)
    assert charge_for(rate=in_euros, duration_seconds=61) == (120, Money("0.40", "EUR"))
    assert charge_for(rate=rate("0.2000", "0.00"), duration_seconds=1) == (60, Money("0.20", "USD"))
    # True equals 1 as a key, but a duration is checked before any kept charge is looked up.
    with pytest.raises(ValueError, match="duration_seconds must be a whole number of seconds"):
        charge_for(rate=rate("0.2000", "0.00"), duration_seconds=True)


def test_a_rate_row_from_the_deck_can_be_charged(db):
    match = rate_for(tenant=None, number="+449098790000", at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))

    assert charge_for(rate=match, duration_seconds=61) == (120, Money("5.75", "USD"))


@pytest.mark.parametrize("bad", [-1, 1.5, "60", True, None])
def test_a_duration_that_is_not_whole_seconds_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="duration_seconds must be a whole number of seconds"):
        billable_seconds_for(duration_seconds=bad, first_increment=60, increment=60)
