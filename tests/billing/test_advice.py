"""The recharge advisor (billing/credits/advice.py) on small histories whose recommendation and 12-month figures are
worked out by hand below, and its answers when there is not enough history."""
from datetime import UTC, datetime
from decimal import Decimal

from billing.credits.advice import CURRENT, FUNDING_TABLE, RECOMMENDED, AdviceInputs, FundingRow, busiest_window, recharge_advice
from billing.credits.recharge.rule import RechargeRule
from billing.credits.replay import StartingLot

D = Decimal
NOW = datetime(2026, 6, 17, 9, 30, tzinfo=UTC)  # the next 12 months are 365 days
TABLE = FundingRow(users_label="Fewer than 250", one_time=D("200.00"), trigger=D("200.00"), recharge=D("500.00"))


NOTHING = D("0.00")


def inputs(burn, *, lots=(), rule=None, cover_days=14, funding=TABLE, spent=NOTHING):
    lots = tuple(lots)
    return AdviceInputs(now=NOW, burn=tuple(burn), lots=lots, available=sum((lot.remaining for lot in lots), D("0.00")),
                        current_rule=rule, spent_this_month=spent, cover_days=cover_days, minimum_amount=D("50"),
                        minimum_purchase=D("1"), maximum_amount=D("100000"), minimum_history_days=14, funding=funding,
                        licensed_users=40)


def plans(advice):
    return {plan.label: plan for plan in advice.plans}


def test_busiest_window_wraps_around_the_history():
    assert busiest_window([D(1), D(5), D(2), D(7)], 2) == D(9)  # 2 + 7
    assert busiest_window([D(4), D(0), D(0), D(3)], 2) == D(7)  # 3 + 4: the last day, then the first again
    assert busiest_window([D(2), D(3)], 5) == D(13)  # 3 + 2 + 3 + 2 + 3


def test_a_steady_organisation_gets_two_weeks_of_its_busiest_fortnight_and_a_month_of_use():
    # 20 days: ten at $10, then ten at $30 ($400, $20.00 a day). The busiest 14 days are the ten at $30 and four
    # at $10: $340, the trigger. A month of use is 30 x $20 = $600. $300 is held, $40 short of the trigger: the
    # one-time amount. Nothing expires whatever the amount, so the month of use wins.
    held = StartingLot(D("300.00"), datetime(2026, 12, 1, tzinfo=UTC))
    advice = recharge_advice(inputs([D(10)] * 10 + [D(30)] * 10, lots=[held], rule=RechargeRule(trigger=D(200), amount=D(500))))
    assert advice.ok
    assert (advice.trigger, advice.recharge_amount, advice.one_time) == (D("340.00"), D("600.00"), D("40.00"))
    assert (advice.history_days, advice.average_daily_burn, advice.cover_burn, advice.horizon_days) == (
        20, D("20.00"), D("340.00"), 365)
    recommended, current = plans(advice)[RECOMMENDED].outcome, plans(advice)[CURRENT].outcome
    # 365 days burn 18 cycles of $400 and five days at $10: $7,250. Starting at $340, 13 recharges of $600 end at
    # 340 + 7,800 - 7,250 = $890 (within [$340, $940), where the last recharge leaves it); 12 would end below $340.
    assert (recommended.recharges, recommended.charged, recommended.ending_balance) == (13, D("7840.00"), D("890.00"))
    assert (recommended.lowest_balance, recommended.forfeited_total, recommended.shortfall) == (D("339.99"), 0, 0)
    # The current $200/$500 from $300: 300 + 500k - 7,250 in [$200, $700) gives k = 15 and $550.
    assert (current.recharges, current.charged, current.ending_balance, current.lowest_balance) == (
        15, D("7500.00"), D("550.00"), D("199.99"))
    assert plans(advice)[FUNDING_TABLE].outcome == current  # the table says $200/$500 too


def test_a_small_user_is_kept_at_the_portal_minimums_because_larger_amounts_expire_unused():
    # $1 a day: the busiest fortnight is $14, so the trigger is the portal's $50; a month of use ($30) is raised
    # to $50 too. The only other amount, the table's $500, leaves money to expire.
    advice = recharge_advice(inputs([D(1)] * 14, lots=[StartingLot(D("60.00"), datetime(2027, 1, 1, tzinfo=UTC))]))
    assert (advice.trigger, advice.recharge_amount, advice.one_time) == (D("50.00"), D("50.00"), D("0.00"))
    recommended = plans(advice)[RECOMMENDED].outcome
    # $365 burnt from $60: 60 + 50k - 365 in [$50, $100) gives 8 recharges and $95; each $50 lasts 50 days.
    assert (recommended.recharges, recommended.charged, recommended.ending_balance, recommended.forfeited_total) == (
        8, D("400.00"), D("95.00"), D("0.00"))
    table = plans(advice)[FUNDING_TABLE].outcome
    # The table's $200/$500: $60 is below $200, so $500 on day 0 ($560); it is down to $200 on day 360: 199.99, +$500.
    # On day 365 the day-0 lot expires with $195 in it; the day-360 lot ($500) pays $1 a day until it expires on
    # June 12, 2028, 366 days later (Feb 29): $139 of it is lost too.
    assert (table.recharges, table.ending_balance, table.forfeited, table.forfeited_later) == (
        2, D("695.00"), D("0.00"), D("334.00"))
    current = plans(advice)[CURRENT].outcome  # auto-recharge off: $60 lasts 60 days, then $305 of calls can't be paid
    assert (current.recharges, current.shortfall, current.lowest_balance) == (0, D("305.00"), D("0.00"))


def test_the_recommendation_keeps_the_monthly_limit_and_says_when_it_leaves_calls_unpaid():
    # $10 a day ($300 a month of use) but auto-recharge may spend only $250 a calendar month. Of the amounts under
    # the limit ($50, $70, $140; the month of use and the table's $500 are above it) only $50 can use all of it
    # (5 x $50; 3 x $70 = $210, 1 x $140), so it leaves the fewest calls unpaid.
    advice = recharge_advice(inputs([D(10)] * 14, lots=[StartingLot(D("200.00"), datetime(2027, 1, 1, tzinfo=UTC))],
                                    rule=RechargeRule(trigger=D(200), amount=D(250), monthly_cap=D(250))))
    assert (advice.trigger, advice.recharge_amount) == (D("140.00"), D("50.00"))
    recommended = plans(advice)[RECOMMENDED]
    assert recommended.rule.monthly_cap == D("250") and recommended.outcome.capped_months > 0
    assert recommended.outcome.shortfall > 0
    assert "monthly limit of $250 stops auto-recharge" in advice.message
    assert "a month of your usage is about $300" in advice.message


def test_no_usage_at_all_is_not_enough_history_and_says_what_to_start_with():
    advice = recharge_advice(inputs([]))
    assert not advice.ok and advice.trigger is None and advice.plans == ()
    assert advice.message == (
        "Not enough history to recommend from your usage: the advisor needs at least 14 days of calls charged to "
        "credits, and nothing has been charged to Communications Credits yet. Until then, start with the recommended "
        "amounts for fewer than 250 licensed users: when the balance is below $200, add $500.")


def test_weeks_without_a_charge_are_not_enough_history_rather_than_a_division_by_zero():
    advice = recharge_advice(inputs([D(0)] * 90, funding=None))
    assert advice.status == "not_enough_history"
    assert advice.message.endswith("no calls were charged to Communications Credits in the last 90 days.")


def test_a_few_days_of_calls_are_not_enough_history():
    advice = recharge_advice(inputs([D(5)] * 3, funding=None))
    assert advice.status == "not_enough_history" and "there are 3 days so far" in advice.message
