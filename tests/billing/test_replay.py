"""The balance replay (billing/credits/replay.py): FIFO spending, expiry, recharges at the trigger, the monthly cap,
and money that would expire after the horizon, on small histories worked out by hand."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.credits.recharge.rule import RechargeRule
from billing.credits.replay import StartingLot, replay

D = Decimal
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def test_lots_are_spent_oldest_first_and_a_lot_expires_at_the_start_of_the_day_its_expiry_comes():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lots = [StartingLot(D("100.00"), datetime(2026, 1, 4, tzinfo=UTC)), StartingLot(D("50.00"), FAR)]
    found = replay(start=start, lots=lots, burn=[D("10.00")], days=5, rule=None)
    # Days 0-2 take 30 from the first lot; day 3 (Jan 4) forfeits its 70, then the second lot pays 10 a day.
    assert found.forfeited == D("70.00")
    assert (found.ending_balance, found.lowest_balance) == (D("30.00"), D("30.00"))
    assert (found.recharges, found.charged, found.shortfall, found.forfeited_later) == (0, D("0.00"), D("0.00"), D("0.00"))


def test_a_recharge_fires_when_the_burn_takes_the_balance_below_the_trigger_within_the_day():
    start = datetime(2026, 3, 10, 12, tzinfo=UTC)
    rule = RechargeRule(trigger=D("100.00"), amount=D("50.00"))
    found = replay(start=start, lots=[StartingLot(D("120.00"), FAR)], burn=[D("30.00")], days=3, rule=rule)
    # Day 0: 120 -> 99.99 (crosses), +50 -> 149.99, the day's last 9.99 -> 140. Day 1: 110.
    # Day 2: 110 -> 99.99, +50 -> 149.99, 19.99 more -> 130.
    assert (found.recharges, found.recharged, found.charged) == (2, D("100.00"), D("100.00"))
    assert (found.ending_balance, found.lowest_balance) == (D("130.00"), D("99.99"))


def test_top_up_mode_brings_the_balance_to_the_target_in_whole_dollars():
    rule = RechargeRule(trigger=D("100.00"), mode="top_up", target=D("300.00"))
    found = replay(start=datetime(2026, 3, 10, tzinfo=UTC), lots=[StartingLot(D("120.00"), FAR)], burn=[D("30.00")],
                   days=1, rule=rule)
    # 120 -> 99.99: the top-up is 300 - 99.99 = 200.01, rounded up to $201 -> 300.99, then 9.99 more -> 291.
    assert (found.recharges, found.recharged, found.ending_balance) == (1, D("201.00"), D("291.00"))


def test_the_monthly_cap_stops_a_recharge_for_the_rest_of_the_month_and_the_burn_runs_short():
    rule = RechargeRule(trigger=D("50.00"), amount=D("50.00"), monthly_cap=D("50.00"))
    found = replay(start=datetime(2026, 3, 1, tzinfo=UTC), lots=[StartingLot(D("60.00"), FAR)], burn=[D("40.00")],
                   days=3, rule=rule)
    # Day 0: 60 -> 49.99, +50 (the month's 50 used) -> 99.99 -> 70. Day 1: 70 -> 49.99, a second 50 would pass
    # the cap: paused; 19.99 more -> 30. Day 2: 30 is spent and 10 can't be paid.
    assert (found.recharges, found.recharged, found.capped_months) == (1, D("50.00"), 1)
    assert (found.shortfall, found.lowest_balance, found.ending_balance) == (D("10.00"), D("0.00"), D("0.00"))


def test_the_cap_counts_each_calendar_month_afresh_and_counts_what_was_spent_before_the_start():
    rule = RechargeRule(trigger=D("50.00"), amount=D("50.00"), monthly_cap=D("100.00"))
    found = replay(start=datetime(2026, 3, 31, tzinfo=UTC), lots=[StartingLot(D("50.00"), FAR)], burn=[D("10.00")],
                   days=2, rule=rule, spent_this_month=D("60.00"))
    # Mar 31: 50 -> 49.99 and 60 + 50 > 100: capped, 40 left. Apr 1: a new month, so 40 < 50 recharges at once.
    assert (found.recharges, found.capped_months, found.ending_balance) == (1, 1, D("80.00"))


def test_money_bought_in_the_horizon_that_the_usage_never_spends_counts_as_forfeited_later():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    found = replay(start=start, lots=[], burn=[D("0.20")], days=10, rule=None, one_time=D("100.00"))
    # 2.00 spent in the horizon; 355 more days at 0.20 (71.00) before the lot expires on Jan 1, 2027: 27.00 left.
    assert (found.charged, found.ending_balance, found.forfeited, found.forfeited_later) == (
        D("100.00"), D("98.00"), D("0.00"), D("27.00"))


def test_a_replay_without_a_day_of_burn_is_refused():
    with pytest.raises(ValueError, match="at least one day"):
        replay(start=datetime(2026, 1, 1, tzinfo=UTC), lots=[], burn=[], days=10, rule=None)
