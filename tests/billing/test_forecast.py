"""The credits forecast replays the lots with their expiry and auto-recharge (billing/credits/replay.py), on a small
ledger whose days are worked out by hand here."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.credits.forecast import burn_window
from billing.credits.recharge.selectors import credits_forecast_for
from billing.credits.services import auto_recharge_update, credits_debit

D = Decimal
NOW = datetime(2026, 6, 17, 9, 30, tzinfo=UTC)


@pytest.fixture
def ledger(tenant, fund, clock):
    """Lot A: $300 bought Jul 1, 2025 12:00 (expires Jul 1, 2026 12:00); lot B: $300 bought Jan 10, 2026 12:00
    (expires Jan 10, 2027 12:00); one $140 call on Jun 10, 2026, inside the last 28 days, taken from A (oldest first).
    Held now: A $160, B $300."""
    clock.at(2025, 7, 1, 12)
    fund(300)
    clock.at(2026, 1, 10, 12)
    fund(300)
    clock.at(2026, 6, 10, 12)
    credits_debit(tenant=tenant, amount=D("140"), call_id="the-one-call")
    clock.at(2026, 6, 17, 9, 30)
    return tenant


def test_without_auto_recharge_the_balance_reaches_zero_when_the_burn_and_the_expiry_say(ledger):
    forecast = credits_forecast_for(tenant=ledger, now=NOW)
    # Burn: $140 in the last 28 days / 28 = $5.00 a day.
    assert (forecast.spent, forecast.burn_rate, forecast.available) == (D("140.00"), D("5.00"), D("460.00"))
    # Day k starts at Jun 17 09:30 + k days. Days 0..14 spend 15 x $5 = $75 of A; day 15 starts Jul 2 09:30, after
    # A's expiry (Jul 1 12:00): A forfeits $160 - $75 = $85. B's $300 then lasts 60 days, days 15..74; day 75 is the
    # first day the balance can't pay. Dividing $460 by $5 would have said 92 days.
    assert forecast.days_until_zero == 75
    assert forecast.zero_date == datetime(2026, 8, 31, tzinfo=UTC).date()
    assert forecast.days_until_trigger is None and forecast.trigger is None
    [lot_a, lot_b] = forecast.lots
    assert (lot_a.remaining, lot_a.unused, lot_a.expires_at) == (D("160.00"), D("85.00"), datetime(2026, 7, 1, 12, tzinfo=UTC))
    assert (lot_b.remaining, lot_b.unused) == (D("300.00"), D("0.00"))
    assert forecast.unused == D("85.00") and forecast.next_expiring == lot_a


def test_with_auto_recharge_the_trigger_day_counts_the_forfeit(ledger, card, billing_admin):
    auto_recharge_update(tenant=ledger, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    forecast = credits_forecast_for(tenant=ledger, now=NOW)
    # Days 0..14: $460 - $75 = $385. Day 15 starts with A's $85 forfeited: $300. Days 15..34 spend $100: day 35 starts
    # at $200 and its first cent takes the balance below the $200 trigger. ($460 - $200) / $5 would have said 52.
    assert forecast.trigger == D("200") and forecast.days_until_trigger == 35
    assert forecast.days_until_zero is None  # recharges keep it above zero for the year
    assert forecast.lots[0].unused == D("85.00")  # A expires before the burn reaches it, recharges or not


def test_no_spending_means_no_days_and_every_lot_expires_unused(tenant, fund, clock):
    clock.at(2026, 1, 10, 12)
    fund(300)
    clock.at(2026, 6, 17, 9, 30)
    forecast = credits_forecast_for(tenant=tenant, now=NOW)
    assert forecast.days_until_zero is None and forecast.burn_rate == D("0.00")
    assert forecast.lots[0].unused == D("300.00")


def test_the_burn_window_is_the_reports_last_28_days():
    from reporting.periods import preset_range

    period = preset_range(28, today=NOW.date())
    assert burn_window(NOW.date()) == (period.start_at, period.end_at)


def test_the_forecast_reads_in_a_fixed_number_of_queries(ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        credits_forecast_for(tenant=ledger, now=NOW)
