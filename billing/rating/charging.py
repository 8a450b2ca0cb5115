"""The charge for a call of a given duration under a rate: billing increments, connection fee, rounding to the cent.

Rounding happens once per call, ROUND_HALF_UP at the cent, after the connection fee is added. Decks refuse
connection fees with fractions of a cent, so this equals rounding the minutes' charge alone and adding the
fee: the call's total and the sum of its two parts always agree on invoices and reports.
"""
import decimal
import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, Protocol

from djmoney.money import Money

from core.money import CENT

SECONDS_PER_MINUTE = 60


class Tariff(Protocol):
    """What a call is rated under: a Rate row or a RateMatch."""

    @property
    def price_per_minute(self) -> Money: ...
    @property
    def connection_fee(self) -> Money: ...
    @property
    def first_increment(self) -> int: ...
    @property
    def increment(self) -> int: ...


class RatedDuration(NamedTuple):
    billable_seconds: int
    charge: Money  # connection fee included, two decimals


def billable_seconds_for(*, duration_seconds: int, first_increment: int, increment: int) -> int:
    """Seconds billed for a call: the first increment, then whole increments, each started one counted in full.

    A call of 0 seconds (never answered) bills nothing.
    """
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int) or duration_seconds < 0:
        raise ValueError(f"duration_seconds must be a whole number of seconds, 0 or more, not {duration_seconds!r}")
    if duration_seconds == 0:
        return 0
    beyond_first = max(0, duration_seconds - first_increment)
    return first_increment + -(-beyond_first // increment) * increment


def charge_for(*, rate: Tariff, duration_seconds: int) -> RatedDuration:
    """Rates a call of `duration_seconds` under `rate` (a RateMatch or Rate) -> RatedDuration(billable_seconds, charge).

    61 s at $0.20 a minute, 60/60 increments: 120 billable seconds, $0.40 plus the connection fee.
    An unanswered call (0 s) costs nothing, connection fee included.
    """
    billable = billable_seconds_for(duration_seconds=duration_seconds, first_increment=rate.first_increment,
                                    increment=rate.increment)
    return _rated(rate.price_per_minute.amount, rate.connection_fee.amount, str(rate.price_per_minute.currency), billable)


@functools.lru_cache(maxsize=65_536)
def _rated(price: Decimal, fee: Decimal, currency: str, billable: int) -> RatedDuration:
    """RatedDuration of `billable` seconds at `price` a minute plus `fee`: a pure function of its arguments, kept
    per process because an import rates the same few prices and durations over and over."""
    if billable == 0:
        return RatedDuration(0, Money(Decimal("0.00"), currency))
    # Enough precision that a price of up to 4 decimals times hours of seconds over 60 never rounds early.
    with decimal.localcontext(prec=40):
        exact = price * billable / SECONDS_PER_MINUTE + fee
        charge = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return RatedDuration(billable, Money(charge, currency))


NOTHING_CHARGED = RatedDuration(0, Money(Decimal("0.00"), "USD"))


class CallSplit(NamedTuple):
    """How a call's seconds are paid: whole minutes from a pool first, the rest rated and charged to credits."""

    pool_minutes: int
    credit_seconds: int  # seconds left after the pool's minutes
    credit: RatedDuration  # their billable seconds and charge (connection fee included when any are charged)

    @property
    def credit_minutes(self) -> int:
        return -(-self.credit.billable_seconds // SECONDS_PER_MINUTE)


FREE_CALL = CallSplit(0, 0, NOTHING_CHARGED)


def pool_minutes_for(seconds: int) -> int:
    """Pools count whole minutes, each started one in full."""
    return -(-seconds // SECONDS_PER_MINUTE)


def split_call(*, rate: Tariff | None, duration_seconds: int, pool_minutes_available: int) -> CallSplit:
    """Takes the call's minutes from the pool while it has any, and rates the seconds beyond under `rate`.

    A pool that runs out during a call pays its last minutes; the connection fee is charged only when
    credits pay part of the call. `rate` may be None only when nothing is left for credits to pay.
    """
    pool_minutes = min(pool_minutes_for(duration_seconds), max(pool_minutes_available, 0))
    credit_seconds = max(0, duration_seconds - pool_minutes * SECONDS_PER_MINUTE)
    if credit_seconds == 0:
        return CallSplit(pool_minutes, 0, NOTHING_CHARGED)
    assert rate is not None, "credits pay part of the call, so it has a rate"
    return CallSplit(pool_minutes, credit_seconds, charge_for(rate=rate, duration_seconds=credit_seconds))


def affordable_seconds(*, rate: Tariff, budget: Decimal, limit_seconds: int) -> int:
    """The longest duration, at most `limit_seconds`, whose charge under `rate` fits in `budget` (a Decimal).

    0 when the budget does not cover the first increment with its connection fee: such a call is refused.
    """
    if limit_seconds <= 0:
        return 0

    def cost(seconds: int) -> Decimal:
        amount: Decimal = charge_for(rate=rate, duration_seconds=seconds).charge.amount
        return amount

    if cost(limit_seconds) <= budget:
        return limit_seconds
    if cost(min(rate.first_increment, limit_seconds)) > budget:
        return 0
    # Billable seconds grow by whole increments: search the number of increments beyond the first.
    low, high = 0, -(-(limit_seconds - rate.first_increment) // rate.increment)
    while low < high:
        middle = (low + high + 1) // 2
        if cost(rate.first_increment + middle * rate.increment) <= budget:
            low = middle
        else:
            high = middle - 1
    return min(rate.first_increment + low * rate.increment, limit_seconds)
