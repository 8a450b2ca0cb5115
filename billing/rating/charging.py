"""The charge for a call of a given duration under a rate: billing increments, connection fee, rounding to the cent.

Rounding happens once per call, ROUND_HALF_UP at the cent, after the connection fee is added. Decks refuse
connection fees with fractions of a cent, so this equals rounding the minutes' charge alone and adding the
fee: the call's total and the sum of its two parts always agree on invoices and reports.
"""
import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from djmoney.money import Money

CENT = Decimal("0.01")
SECONDS_PER_MINUTE = 60


class RatedDuration(NamedTuple):
    billable_seconds: int
    charge: Money  # connection fee included, two decimals


def billable_seconds_for(*, duration_seconds, first_increment, increment):
    """Seconds billed for a call: the first increment, then whole increments, each started one counted in full.

    A call of 0 seconds (never answered) bills nothing.
    """
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int) or duration_seconds < 0:
        raise ValueError(f"duration_seconds must be a whole number of seconds, 0 or more, not {duration_seconds!r}")
    if duration_seconds == 0:
        return 0
    beyond_first = max(0, duration_seconds - first_increment)
    return first_increment + -(-beyond_first // increment) * increment


def charge_for(*, rate, duration_seconds):
    """Rates a call of `duration_seconds` under `rate` (a RateMatch or Rate) -> RatedDuration(billable_seconds, charge).

    61 s at $0.20 a minute, 60/60 increments: 120 billable seconds, $0.40 plus the connection fee.
    An unanswered call (0 s) costs nothing, connection fee included.
    """
    billable = billable_seconds_for(duration_seconds=duration_seconds, first_increment=rate.first_increment,
                                    increment=rate.increment)
    currency = rate.price_per_minute.currency
    if billable == 0:
        return RatedDuration(0, Money(Decimal("0.00"), currency))
    # Enough precision that a price of up to 4 decimals times hours of seconds over 60 never rounds early.
    with decimal.localcontext(prec=40):
        exact = rate.price_per_minute.amount * billable / SECONDS_PER_MINUTE + rate.connection_fee.amount
        charge = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return RatedDuration(billable, Money(charge, currency))
