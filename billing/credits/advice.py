"""The recharge advisor, pure: from the daily burn of the last days, the trigger, recharge amount and one-time amount
that keep a chosen number of days of cover with the least money expiring unused, and how they compare with the
current settings over the next 12 months, every figure from a replay (replay.py) of the real burn.

How the recommendation is made (the page and the API say the same in words):
- Trigger: the busiest `cover_days` days of the history (the history repeated, so any window fits) rounded up to
  whole dollars, at least the portal's minimum: when a recharge starts, what is left still pays for that many days
  even if the recharge fails.
- One-time amount: what brings the available balance up to the trigger now, when it is below it (else nothing).
- Recharge amount: candidates are the portal's minimum, a week, two weeks and a month of average burn, and the
  recommended funding table's amount for the organisation's size (never above the monthly limit in force). Each is
  replayed for the next 12 months; the winner blocks the fewest calls, then forfeits the least money, then is
  closest to a month of use (about one recharge and one invoice a month), then makes the fewest recharges.
"""
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from core.money import ZERO

from .recharge.rule import FIXED, RechargeRule
from .replay import Outcome, StartingLot, replay
from .rules import add_months

DAYS_A_MONTH = 30
OK = "ok"
NOT_ENOUGH_HISTORY = "not_enough_history"


def whole_dollars_up(amount: Decimal) -> Decimal:
    return amount.to_integral_value(rounding=ROUND_CEILING).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class FundingRow:
    """The recommended funding table's row for the organisation (RecommendedFunding)."""

    users_label: str
    one_time: Decimal
    trigger: Decimal
    recharge: Decimal


@dataclass(frozen=True)
class AdviceInputs:
    now: datetime
    burn: tuple[Decimal, ...]  # charges of each whole UTC day of the history, oldest first
    lots: tuple[StartingLot, ...]  # lots holding money now
    available: Decimal
    current_rule: RechargeRule | None  # None: auto-recharge off
    spent_this_month: Decimal
    cover_days: int
    minimum_amount: Decimal  # the portal's minimum trigger and recharge (50)
    minimum_purchase: Decimal
    maximum_amount: Decimal
    minimum_history_days: int
    funding: FundingRow | None = None
    licensed_users: int = 0


@dataclass(frozen=True)
class PlanOutcome:
    label: str
    rule: RechargeRule | None
    one_time: Decimal
    outcome: Outcome


@dataclass(frozen=True)
class Advice:
    status: str
    message: str
    cover_days: int
    history_days: int
    history_total: Decimal = ZERO
    average_daily_burn: Decimal = ZERO
    cover_burn: Decimal = ZERO  # the busiest `cover_days` days
    trigger: Decimal | None = None
    recharge_amount: Decimal | None = None
    one_time: Decimal = ZERO
    horizon_days: int = 0
    plans: tuple[PlanOutcome, ...] = field(default_factory=tuple)  # current, recommended, funding table
    funding: FundingRow | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def recommended(self) -> PlanOutcome | None:
        return next((plan for plan in self.plans if plan.label == RECOMMENDED), None)


CURRENT, RECOMMENDED, FUNDING_TABLE = "Current settings", "Recommended", "Funding table"


def busiest_window(burn: Sequence[Decimal], days: int) -> Decimal:
    """The largest sum of `days` consecutive days of `burn` repeated end to end."""
    count = len(burn)
    window = sum((burn[i % count] for i in range(days)), ZERO)
    best = window
    for start in range(1, count):
        window += burn[(start + days - 1) % count] - burn[start - 1]
        best = max(best, window)
    return best


def recharge_advice(inputs: AdviceInputs) -> Advice:
    history_days, total = len(inputs.burn), sum(inputs.burn, ZERO)
    if history_days < inputs.minimum_history_days or not total:
        return _not_enough_history(inputs, history_days, total)
    average = total / history_days
    cover_burn = busiest_window(inputs.burn, inputs.cover_days)
    minimum, maximum = inputs.minimum_amount, inputs.maximum_amount
    trigger = min(max(whole_dollars_up(cover_burn), minimum), maximum)
    one_time = ZERO
    if inputs.available < trigger:
        one_time = max(whole_dollars_up(trigger - inputs.available), inputs.minimum_purchase)
    month_of_use = min(max(whole_dollars_up(average * DAYS_A_MONTH), minimum), maximum)
    cap = inputs.current_rule.monthly_cap if inputs.current_rule is not None else None
    candidates = {minimum, month_of_use, *(min(max(whole_dollars_up(average * days), minimum), maximum) for days in (7, 14))}
    if inputs.funding is not None:
        candidates.add(inputs.funding.recharge)
    candidates = {amount for amount in candidates if cap is None or amount <= cap}
    horizon = (add_months(inputs.now, 12) - inputs.now).days

    def run(rule: RechargeRule | None, bought: Decimal) -> Outcome:
        return replay(start=inputs.now, lots=inputs.lots, burn=inputs.burn, days=horizon, rule=rule, one_time=bought,
                      spent_this_month=inputs.spent_this_month)

    tried = []
    for amount in sorted(candidates):
        rule = RechargeRule(trigger=trigger, mode=FIXED, amount=amount, monthly_cap=cap)
        outcome = run(rule, one_time)
        tried.append(((outcome.shortfall, outcome.forfeited_total, abs(amount - month_of_use), outcome.recharges), amount,
                      rule, outcome))
    _, amount, rule, outcome = min(tried, key=lambda found: (found[0], found[1]))
    plans = [PlanOutcome(CURRENT, inputs.current_rule, ZERO, run(inputs.current_rule, ZERO)),
             PlanOutcome(RECOMMENDED, rule, one_time, outcome)]
    if inputs.funding is not None:
        table_rule = RechargeRule(trigger=inputs.funding.trigger, mode=FIXED, amount=inputs.funding.recharge)
        plans.append(PlanOutcome(FUNDING_TABLE, table_rule, ZERO, run(table_rule, ZERO)))
    message = (f"From {history_days} days of usage (${total:,.2f}, ${average:,.2f} a day on average): when the balance "
               f"is below ${trigger:,.0f}, add ${amount:,.0f}.")
    if outcome.capped_months:
        message += (f" Your monthly limit of ${cap:,.0f} stops auto-recharge in {outcome.capped_months} of the next 12 "
                    f"months and ${outcome.shortfall:,.2f} of calls couldn't be paid: a month of your usage is about "
                    f"${month_of_use:,.0f}.")
    return Advice(status=OK, message=message, cover_days=inputs.cover_days, history_days=history_days,
                  history_total=total, average_daily_burn=average.quantize(Decimal("0.01")), cover_burn=cover_burn,
                  trigger=trigger, recharge_amount=amount, one_time=one_time, horizon_days=horizon, plans=tuple(plans),
                  funding=inputs.funding)


def _not_enough_history(inputs: AdviceInputs, history_days: int, total: Decimal) -> Advice:
    if not total:
        found = (f"no calls were charged to Communications Credits in the last {history_days} days" if history_days
                 else "nothing has been charged to Communications Credits yet")
    else:
        found = f"there {'is' if history_days == 1 else 'are'} {history_days} day{'s' if history_days != 1 else ''} so far"
    message = (f"Not enough history to recommend from your usage: the advisor needs at least "
               f"{inputs.minimum_history_days} days of calls charged to credits, and {found}.")
    if inputs.funding is not None:
        row = inputs.funding
        message += (f" Until then, start with the recommended amounts for {row.users_label.lower()} licensed users: "
                    f"when the balance is below ${row.trigger:,.0f}, add ${row.recharge:,.0f}.")
    return Advice(status=NOT_ENOUGH_HISTORY, message=message, cover_days=inputs.cover_days, history_days=history_days,
                  history_total=total, funding=inputs.funding)
