"""The credits forecast, pure: what the balance does at the current burn, by a replay (replay.py) of the lots as they
are, expiring by the product's rule, and of auto-recharge by its rule. Not a division of the balance by the burn: a
purchase expires 12 months after it was bought, so money the burn will not reach by then never pays for a call.

- Burn: the call and toll-free charges of the calls that started in the last BURN_WINDOW_DAYS days, today included
  (the reports' "Last 28 days", the same calls and amounts as PSTN usage's charges), divided by that many days, spent
  every day from now.
- Days to the trigger: the first replayed day on which auto-recharge adds funds (0 = today); None when auto-recharge
  is off or no recharge comes within the horizon.
- Days to zero: the first replayed day whose burn the balance can't pay in full (0 = today); with auto-recharge on it
  comes only if recharges can't keep up (the monthly limit); None when not within the horizon.
- Each lot: what remains of it, when it expires and how much of that the burn will not have spent by then (forfeited).
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from .recharge.rule import RechargeRule
from .replay import StartingLot, replay

ZERO = Decimal("0.00")
BURN_WINDOW_DAYS = 28
HORIZON_DAYS = 365


def burn_window(today: date) -> tuple[datetime, datetime]:
    """[start, end) of the last BURN_WINDOW_DAYS whole UTC days, today included: the reports' preset of that name."""
    from reporting.periods import preset_range  # the one definition of "Last N days"

    period = preset_range(BURN_WINDOW_DAYS, today=today)
    return period.start_at, period.end_at


@dataclass(frozen=True)
class ForecastLot:
    lot_id: object  # the Lot's id, so pages can show its line beside the lot
    purchased_at: datetime
    expires_at: datetime
    remaining: Decimal
    unused: Decimal  # what the burn will not have spent by expires_at: forfeited then

    @property
    def used_in_time(self) -> Decimal:
        return self.remaining - self.unused


@dataclass(frozen=True)
class CreditsForecast:
    now: datetime
    spent: Decimal  # in the burn window
    window_days: int
    available: Decimal
    trigger: Decimal | None  # None when auto-recharge is off
    days_until_trigger: int | None
    days_until_zero: int | None
    lots: tuple[ForecastLot, ...]  # held now, oldest first
    horizon_days: int = HORIZON_DAYS

    @property
    def burn_rate(self) -> Decimal:
        """The average a day, in cents for people to read (the replay spends the exact average)."""
        return (self.spent / self.window_days).quantize(Decimal("0.01"))

    @property
    def today(self) -> date:
        return self.now.astimezone(UTC).date()

    @property
    def trigger_date(self) -> date | None:
        return None if self.days_until_trigger is None else self.today + timedelta(days=self.days_until_trigger)

    @property
    def zero_date(self) -> date | None:
        return None if self.days_until_zero is None else self.today + timedelta(days=self.days_until_zero)

    @property
    def unused(self) -> Decimal:
        """All the money held now that expires before the burn reaches it."""
        return sum((lot.unused for lot in self.lots), ZERO)

    @property
    def next_expiring(self) -> ForecastLot | None:
        return min(self.lots, key=lambda lot: lot.expires_at) if self.lots else None

    def unused_of(self, lot_id) -> Decimal | None:
        """What the burn will not use of this lot before it expires (None for a lot not held now)."""
        return next((lot.unused for lot in self.lots if lot.lot_id == lot_id), None)


def credits_forecast_replay(*, now: datetime, lots: Sequence[StartingLot], purchased: Sequence[datetime],
                            lot_ids: Sequence[object], spent: Decimal, rule: RechargeRule | None,
                            spent_this_month: Decimal = ZERO, window_days: int = BURN_WINDOW_DAYS,
                            days: int = HORIZON_DAYS) -> CreditsForecast:
    """The forecast from the lots held now (oldest first; `purchased` their purchase times) and what was spent in the
    burn window, by one replay of `days` days from `now`."""
    # Micro-dollars keep every sum of the replay exact (Decimal rounds past 28 digits, and 10.90 / 28 never ends).
    daily = (spent / window_days).quantize(Decimal("0.000001"))
    # Days are the product's UTC calendar days: day 0 is today from midnight, so the answer never moves with the hour.
    today = datetime.combine(now.date(), time.min, tzinfo=UTC)
    outcome = replay(start=today, lots=lots, burn=(daily,), days=days, rule=rule, spent_this_month=spent_this_month)
    return CreditsForecast(
        now=now, spent=spent, window_days=window_days, available=sum((lot.remaining for lot in lots), ZERO),
        trigger=rule.trigger if rule is not None else None,
        days_until_trigger=outcome.first_recharge_day if rule is not None else None,
        days_until_zero=outcome.first_shortfall_day if daily else None,
        lots=tuple(ForecastLot(lot_id=lot_id, purchased_at=bought, expires_at=lot.expires_at, remaining=lot.remaining,
                               unused=forfeit.quantize(Decimal("0.01")))
                   for lot, bought, lot_id, forfeit in zip(lots, purchased, lot_ids, outcome.lot_forfeits, strict=True)),
        horizon_days=days)
