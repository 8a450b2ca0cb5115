"""A pure replay of a Communications Credits balance, day by day: a daily burn spent from lots first in, first out,
lots expiring by the product's rule (rules.lot_expiry), and auto-recharge by its rule (recharge/rule.py).

Days are whole steps from `start`: day k begins at start + k days. At the start of a day, lots whose expiry has
come are forfeited and a recharge is made if one is due; then the day's burn is spent. A recharge fires the moment
the balance falls below the trigger (as the engine starts one on the debit that crosses it), so a day's burn is
spent down to one cent below the trigger, the recharge is made, and the rest is spent. Burn the balance can't pay
is a shortfall: calls that would have been blocked. After the horizon the burn goes on without recharges until
every lot is spent or expired, so money bought in the horizon that the usage would never spend counts as
forfeited too (`forfeited_later`). The recharge advisor (advice.py) compares settings with it; the forecast
(forecast.py) reads from it the first day a recharge is due, the first day the balance can't pay, and what each
starting lot forfeits.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from core.money import CENT, ZERO

from .recharge.rule import RechargeRule, month_start, recharge_decision
from .rules import lot_expiry

TAIL_DAYS = 400  # longer than a lot lives: after it, nothing bought in the horizon is left


@dataclass(frozen=True)
class StartingLot:
    remaining: Decimal
    expires_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What a replay found over its horizon."""

    recharges: int
    recharged: Decimal  # charged by auto-recharge
    one_time: Decimal  # bought at the start
    forfeited: Decimal  # expired unused within the horizon
    forfeited_later: Decimal  # held at the horizon's end and expiring before the usage spends it
    lowest_balance: Decimal
    shortfall: Decimal  # burn the balance could not pay
    ending_balance: Decimal
    capped_months: int  # months in which the monthly cap stopped a recharge
    first_recharge_day: int | None = None  # the day (0 = the first) a recharge was first made
    first_shortfall_day: int | None = None  # the first day whose burn the balance could not pay in full
    lot_forfeits: tuple[Decimal, ...] = ()  # what each starting lot forfeited at its expiry (horizon and tail)

    @property
    def charged(self) -> Decimal:
        """Money charged to the payment method: the one-time purchase and every recharge."""
        return self.one_time + self.recharged

    @property
    def forfeited_total(self) -> Decimal:
        return self.forfeited + self.forfeited_later


class _Lots:
    """The replayed lots, oldest first, and their running balance."""

    def __init__(self, lots: Sequence[StartingLot]) -> None:
        self.remaining = [lot.remaining for lot in lots]
        self.expires = [lot.expires_at for lot in lots]
        self.first = 0  # lots before this one are empty
        self.balance = sum(self.remaining, ZERO)
        self.forfeits = [ZERO] * len(self.remaining)

    def add(self, amount: Decimal, at: datetime) -> None:
        self.remaining.append(amount)
        self.expires.append(lot_expiry(at))
        self.forfeits.append(ZERO)
        self.balance += amount

    def expire(self, at: datetime) -> Decimal:
        forfeited = ZERO
        for index in range(self.first, len(self.remaining)):
            if self.remaining[index] and self.expires[index] <= at:
                forfeited += self.remaining[index]
                self.forfeits[index] += self.remaining[index]
                self.remaining[index] = ZERO
        self.balance -= forfeited
        self._skip_empty()
        return forfeited

    def spend(self, amount: Decimal) -> None:
        left = amount
        while left:
            take = min(self.remaining[self.first], left)
            self.remaining[self.first] -= take
            left -= take
            self._skip_empty()
        self.balance -= amount

    def _skip_empty(self) -> None:
        while self.first < len(self.remaining) and not self.remaining[self.first]:
            self.first += 1


def replay(*, start: datetime, lots: Sequence[StartingLot], burn: Sequence[Decimal], days: int,
           rule: RechargeRule | None, one_time: Decimal = ZERO, spent_this_month: Decimal = ZERO) -> Outcome:
    """Replays `days` days from `start`; day k burns burn[k % len(burn)] (the history repeated).

    `one_time` is bought at the start (before the first day); `spent_this_month` is what auto-recharge already
    charged in the month of `start`, which the monthly cap counts.
    """
    if not burn:
        raise ValueError("A replay needs at least one day of burn.")
    held = _Lots(lots)
    if one_time:
        held.add(one_time, start)
    recharges, recharged, forfeited, shortfall = 0, ZERO, ZERO, ZERO
    month, capped_months, capped = month_start(start), set(), False
    lowest: Decimal | None = None
    first_recharge: int | None = None
    first_shortfall: int | None = None
    for day in range(days):
        at = start + timedelta(days=day)
        if month_start(at) != month:
            month, spent_this_month, capped = month_start(at), ZERO, False
        forfeited += held.expire(at)
        need = burn[day % len(burn)]
        while True:
            if rule is not None and not capped:
                decision = recharge_decision(rule, available=held.balance, spent_this_month=spent_this_month)
                if decision.capped:
                    capped = True
                    capped_months.add(month)
                elif decision.due:
                    held.add(decision.amount, at)
                    recharges, recharged = recharges + 1, recharged + decision.amount
                    first_recharge = day if first_recharge is None else first_recharge
                    spent_this_month += decision.amount
                    continue
            if not need:
                break
            if not held.balance:
                shortfall += need
                first_shortfall = day if first_shortfall is None else first_shortfall
                break
            chunk = min(need, held.balance)
            if rule is not None and not capped and held.balance >= rule.trigger:
                chunk = min(chunk, held.balance - rule.trigger + CENT)  # down to just below the trigger
            held.spend(chunk)
            need -= chunk
            lowest = held.balance if lowest is None else min(lowest, held.balance)
    ending = held.balance
    forfeited_later = ZERO
    for day in range(days, days + TAIL_DAYS):
        if not held.balance:
            break
        forfeited_later += held.expire(start + timedelta(days=day))
        need = min(burn[day % len(burn)], held.balance)
        if need:
            held.spend(need)
    return Outcome(recharges=recharges, recharged=recharged, one_time=one_time, forfeited=forfeited,
                   forfeited_later=forfeited_later, lowest_balance=ending if lowest is None else lowest,
                   shortfall=shortfall, ending_balance=ending, capped_months=len(capped_months),
                   first_recharge_day=first_recharge, first_shortfall_day=first_shortfall,
                   lot_forfeits=tuple(held.forfeits[:len(lots)]))
