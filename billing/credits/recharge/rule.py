"""The auto-recharge rule, pure: when a recharge is due, how much it adds (a fixed amount, or a top-up to a target
balance), and whether the monthly cap on auto-recharge spending lets it be made.

The engine (engine.py) applies it under the settings lock with the month's spending read from its attempts; the
recharge advisor's replay (billing/credits/replay.py) applies it day by day to a replayed balance. One rule, two
executors: tests/recharge/test_rule.py checks that both reach the same decisions.
"""
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal

from core.money import ZERO as ZERO  # re-exported: the engine imports it from here

FIXED = "fixed"
TOP_UP = "top_up"
MODES = (FIXED, TOP_UP)
DOLLAR = Decimal("1")


@dataclass(frozen=True)
class RechargeRule:
    """Settings as the rule reads them. `amount` is used in FIXED mode, `target` in TOP_UP mode; no cap when None."""

    trigger: Decimal
    mode: str = FIXED
    amount: Decimal | None = None
    target: Decimal | None = None
    monthly_cap: Decimal | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"{self.mode!r} is not an auto-recharge mode ({', '.join(MODES)}).")
        if self.mode == FIXED and not self.amount:
            raise ValueError("A fixed-amount recharge needs its amount.")
        if self.mode == TOP_UP and not self.target:
            raise ValueError("A top-up recharge needs its target balance.")


@dataclass(frozen=True)
class RechargeDecision:
    """What the rule says for one available balance: `amount` is what a recharge made now would add (0 when the
    balance is not below the trigger); `capped` when it is due but would take the month's spending over the cap."""

    amount: Decimal
    capped: bool = False

    @property
    def due(self) -> bool:
        return self.amount > 0

    @property
    def allowed(self) -> bool:
        return self.due and not self.capped


NOT_DUE = RechargeDecision(ZERO)


def recharge_amount(rule: RechargeRule, *, available: Decimal) -> Decimal:
    """What a recharge adds at this available balance: the fixed amount, or what brings the balance up to the target,
    rounded up to whole dollars (the portal's amounts are whole dollars)."""
    if rule.mode == FIXED:
        assert rule.amount is not None
        return rule.amount
    assert rule.target is not None
    return max(rule.target - available, ZERO).to_integral_value(rounding=ROUND_CEILING).quantize(Decimal("0.01"))


def recharge_decision(rule: RechargeRule, *, available: Decimal, spent_this_month: Decimal) -> RechargeDecision:
    """The decision for an available balance, given what auto-recharge already charged this calendar month (UTC).

    Due when the available balance is below the trigger. A cap is never exceeded: the recharge that would take the
    month's auto-recharge spending above it is not made (auto-recharge pauses until the next month)."""
    if available >= rule.trigger:
        return NOT_DUE
    amount = recharge_amount(rule, available=available)
    if amount <= 0:
        return NOT_DUE
    capped = rule.monthly_cap is not None and spent_this_month + amount > rule.monthly_cap
    return RechargeDecision(amount, capped=capped)


def month_start(moment: datetime) -> datetime:
    """The first instant of the UTC calendar month of `moment`: the cap counts spending per calendar month."""
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(moment: datetime) -> datetime:
    """When a paused cap lifts: the first instant of the next UTC calendar month."""
    start = month_start(moment)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
