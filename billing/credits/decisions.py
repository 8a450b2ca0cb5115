"""The money rules of Communications Credits, written once: pure decisions over the state read under the lock.

Every service that moves credit (billing/credits/services/ledger.py with the ORM, ledger_hot.py in plain SQL,
ledger_batch.py for the call-record import) does three things: it takes the tenant's credit account lock and
reads an `AccountState`; it asks one function here what to do; it applies the `Plan` it gets back, or raises
the `Refusal`'s error. The functions here read nothing and write nothing (no database, no clock: `state.now`),
so one rule cannot differ between the executors, and tests can call them on hand-made states.

The rules, once:
- Available to calls = balance - money in lots due to expire - live holds. A hold is live while its reservation
  is `held` and not past `expires_at`; a released, converted or expired reservation never holds money.
- A call may spend what is available plus its own live hold (`AccountState.own_hold`).
- Lots are spent first in, first out (`spend`); a lot due to expire is forfeited (an expiry entry) before any
  other change in the same transaction, whoever moves the money next.
- Idempotency: a call id is charged once and held once; the same request again replays the first answer,
  a different one is refused as a conflict.
- Balance events (`balance_events`): a fall of the available balance through the auto-recharge trigger starts
  a recharge; a real spend (a charge, a refund, a negative adjustment, an import) that takes what the tenant
  may spend to zero or through a low-balance level sends that email. A hold moves only the recharge trigger;
  a charge measures its email fall from before its own hold, so a call completing exactly at its hold still
  sends "balance reached zero".

Someone adding a rule (e.g. a spend limit) adds a field to AccountState, read by both executors' `locked_state`,
and a Refusal reason here; the executors need no change.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import cast

ZERO = Decimal("0.00")

# Ledger kinds and reservation statuses as plain strings (the models' TextChoices values), so that this module
# imports no model and can be read on its own.
CALL_CHARGE, TOLL_FREE_CHARGE, EXPIRY, REFUND, ADJUSTMENT = (
    "call_charge", "toll_free_charge", "expiry", "refund", "adjustment")
CHARGE_KINDS = (CALL_CHARGE, TOLL_FREE_CHARGE)
HELD, RELEASED, CONVERTED, EXPIRED = "held", "released", "converted", "expired"

# Refusal reasons
INSUFFICIENT = "insufficient_credits"
CONFLICT = "idempotency_conflict"
NO_RESERVATION = "no_reservation"
NOTHING_TO_REFUND = "nothing_to_refund"
OVER_REFUND = "over_refund"
HOLD_ENDED = "hold_ended"

# Balance events
RECHARGE = "recharge"
BALANCE_ZERO = "balance_zero"
LOW_BALANCE = "low_balance"


# ---------------------------------------------------------------------------------------------------- state
@dataclass(frozen=True, slots=True)
class LotState:
    id: int
    remaining: Decimal
    purchased_at: datetime
    expires_at: datetime
    purchase_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReservationState:
    id: int
    amount: Decimal
    status: str
    expires_at: datetime

    def holding(self, now: datetime) -> bool:
        return self.status == HELD and self.expires_at > now


@dataclass(frozen=True, slots=True)
class EarlierEntry:
    """The entry already written under the request's idempotency key (a call's charge, a refund, an adjustment)."""

    id: int
    kind: str
    amount: Decimal  # signed, as in the ledger
    purchase_id: int | None = None


@dataclass(frozen=True, slots=True)
class Watched:
    """What balance events compare against: the auto-recharge trigger and the low-balance email levels."""

    recharge_on: bool = False  # enabled and not paused
    trigger: Decimal | None = None
    low_levels: tuple[Decimal, ...] = ()

    @classmethod
    def of(cls, *, enabled: bool | None, paused: bool | None, trigger: Decimal | None,
           levels: Iterable[object] | None) -> Watched:
        return cls(recharge_on=bool(enabled) and not paused, trigger=trigger,
                   low_levels=tuple(Decimal(str(level)) for level in (levels or ())))


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the rules decide on, read under the tenant's credit account lock.

    `lots`: the lots that still hold money, oldest purchase first. `held`: every live hold, this call's included.
    """

    account_id: int
    now: datetime
    balance: Decimal
    held: Decimal
    lots: tuple[LotState, ...]
    watched: Watched = field(default_factory=Watched)
    call_id: str = ""
    reservation: ReservationState | None = None  # this call's reservation, whatever its status
    earlier: EarlierEntry | None = None  # this call's charge (or the entry under the request's key)
    chain_head: str = ""  # the hash of the account's last entry (billing/credits/chain.py); the executors seal with it

    @property
    def due_lots(self) -> tuple[LotState, ...]:
        return tuple(lot for lot in self.lots if lot.remaining > 0 and lot.expires_at <= self.now)

    @property
    def live_lots(self) -> tuple[LotState, ...]:
        return tuple(lot for lot in self.lots if lot.remaining > 0 and lot.expires_at > self.now)

    @property
    def expiring(self) -> Decimal:
        return sum((lot.remaining for lot in self.due_lots), ZERO)

    @property
    def available(self) -> Decimal:
        """What calls may spend (may be negative when holds outlive expired lots; refusals show it as zero)."""
        return self.balance - self.expiring - self.held

    @property
    def own_hold(self) -> Decimal:
        return self.reservation.amount if self.reservation is not None and self.reservation.holding(self.now) else ZERO


# ---------------------------------------------------------------------------------------------------- plans
@dataclass(frozen=True, slots=True)
class LotChange:
    lot_id: int
    remaining: Decimal  # after the change
    expired: bool = False  # forfeited: the executor stamps expired_at = now


@dataclass(frozen=True, slots=True)
class NewEntry:
    kind: str
    amount: Decimal  # signed
    balance_after: Decimal
    idempotency_key: str
    at: datetime
    call_id: str = ""
    memo: str = ""
    lot_id: int | None = None
    purchase_id: int | None = None
    reference: str = ""
    by_actor: bool = True  # the request's actor; False for the system's own entries (expiry)


@dataclass(frozen=True, slots=True)
class NewHold:
    call_id: str
    amount: Decimal
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    kind: str  # RECHARGE, BALANCE_ZERO, LOW_BALANCE
    balance: Decimal  # the available balance after the change
    level: Decimal | None = None

    def period_key(self, key: object) -> str:
        return {RECHARGE: f"recharge:{key}", BALANCE_ZERO: f"zero:{key}"}.get(self.kind, f"low:{self.level}:{key}")


@dataclass(frozen=True, slots=True)
class Plan:
    """What to write, in order: lot changes, entries (forfeits first, then the request's own), the balance,
    then the reservation change; the events fire after, keyed by the request's entry or hold."""

    balance_after: Decimal
    lot_changes: tuple[LotChange, ...] = ()
    entries: tuple[NewEntry, ...] = ()
    hold: NewHold | None = None  # a reservation to create
    reservation_id: int | None = None  # this call's reservation, to change to `reservation_status`
    reservation_status: str | None = None  # CONVERTED (links the request's entry), RELEASED or EXPIRED
    events: tuple[BalanceEvent, ...] = ()
    replay_id: int | None = None  # the request was answered before: return this entry / reservation, write nothing
    forfeits: int = 0  # how many of `entries` are expiry entries (they come first)

    @property
    def writes(self) -> bool:
        return bool(self.lot_changes or self.entries or self.hold or self.reservation_status)

    @property
    def own_entries(self) -> tuple[NewEntry, ...]:
        """The entries of the request itself (after the forfeits)."""
        return self.entries[self.forfeits:]


@dataclass(frozen=True, slots=True)
class HoldIncrease:
    """A live reservation grown by a call's next slice: its amount and expiry after."""

    reservation_id: int
    amount: Decimal
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class MorePlan:
    """A call's next slice: `plan` first (the forfeits; a new hold when the call held nothing yet), then `increase`
    (None with a new hold). The events are `plan.events`."""

    plan: Plan
    increase: HoldIncrease | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """The rules refuse: nothing is written. `error()` is the exception the services raise."""

    reason: str
    message: str
    amount: Decimal | None = None
    available: Decimal | None = None
    field: str = "amount"

    def error(self) -> Exception:
        from django.core.exceptions import ValidationError

        from billing.credits.exceptions import IdempotencyConflict, InsufficientCredits

        if self.reason == INSUFFICIENT:
            assert self.amount is not None and self.available is not None  # _insufficient sets both
            return InsufficientCredits(amount=self.amount, available=self.available)
        if self.reason == CONFLICT:
            return IdempotencyConflict(self.message)
        return ValidationError({self.field: self.message})


def _insufficient(amount: Decimal, available: Decimal) -> Refusal:
    available = max(available, ZERO)
    return Refusal(INSUFFICIENT, f"${available:,.2f} is available, ${amount:,.2f} was asked.", amount=amount,
                   available=available)


# ---------------------------------------------------------------------------------------------------- rules
def spend(lots: Iterable[LotState], amount: Decimal) -> list[LotChange]:
    """LotChanges taking `amount` from `lots` (live, oldest first). The one first-in-first-out loop."""
    changes: list[LotChange] = []
    left = amount
    for lot in lots:
        if not left:
            break
        take = min(lot.remaining, left)
        if take:
            changes.append(LotChange(lot.id, lot.remaining - take))
            left -= take
    if left:
        raise RuntimeError("The live lots hold less than the available balance; run manage.py check_ledger.")
    return changes


def _forfeits(state: AccountState, lifetime_months: int) -> tuple[list[LotChange], list[NewEntry], Decimal]:
    """Expiry entries for every lot due to expire, and the balance after them."""
    changes: list[LotChange] = []
    entries: list[NewEntry] = []
    balance = state.balance
    for lot in state.due_lots:
        balance -= lot.remaining
        changes.append(LotChange(lot.id, ZERO, expired=True))
        entries.append(NewEntry(
            kind=EXPIRY, amount=-lot.remaining, balance_after=balance, idempotency_key=f"expiry:lot:{lot.id}",
            at=state.now, lot_id=lot.id, purchase_id=lot.purchase_id, by_actor=False,
            memo=f"Funds added {lot.purchased_at:%b %d, %Y} were not used within {lifetime_months} months"))
    return changes, entries, balance


def balance_events(watched: Watched, *, before: Decimal, after: Decimal, spent_before: Decimal | None = None,
                   spent_after: Decimal | None = None) -> tuple[BalanceEvent, ...]:
    """The events of a change of the available balance: the recharge trigger on (before, after); the zero and
    low-balance emails on (spent_before, spent_after) when the change spent money (None: a hold, no emails)."""
    events: list[BalanceEvent] = []
    if watched.recharge_on and watched.trigger is not None and after < watched.trigger <= before:
        events.append(BalanceEvent(RECHARGE, after))
    if spent_before is not None:
        assert spent_after is not None  # the two come together (both None: a hold)
        if spent_after < spent_before:
            if spent_before > 0 and spent_after <= 0:
                events.append(BalanceEvent(BALANCE_ZERO, spent_after))
            events.extend(BalanceEvent(LOW_BALANCE, spent_after, level) for level in watched.low_levels
                          if spent_after < level <= spent_before)
    return tuple(events)


def decide_debit(state: AccountState, *, amount: Decimal, kind: str, memo: str = "", at: datetime | None = None,
                 lifetime_months: int = 12) -> Plan | Refusal:
    """A call's charge of `amount` (positive): its plan, a replay of its first charge, or a Refusal."""
    call_id = state.call_id
    if state.earlier is not None:
        first = state.earlier
        if first.kind == kind and -first.amount == amount:
            return Plan(balance_after=state.balance, replay_id=first.id)
        label = {CALL_CHARGE: "call charge", TOLL_FREE_CHARGE: "toll-free charge"}.get(first.kind, first.kind)
        return Refusal(CONFLICT, f"Call {call_id} was already charged ${-first.amount:,.2f} ({label}).")
    room = state.available + state.own_hold
    if amount > room:
        return _insufficient(amount, room)
    changes, entries, balance = _forfeits(state, lifetime_months)
    forfeits = len(changes)
    changes.extend(spend(state.live_lots, amount))
    # The recharge trigger sees the fall from the balance with this call's hold; the emails, from before it.
    events = balance_events(state.watched, before=state.available, after=room - amount,
                            spent_before=room, spent_after=room - amount)
    balance -= amount
    entries.append(NewEntry(kind=kind, amount=-amount, balance_after=balance, idempotency_key=f"{kind}:{call_id}",
                            at=at or state.now, call_id=call_id, memo=memo))
    reservation = state.reservation
    convert = reservation is not None and reservation.status == HELD
    return Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries),
                reservation_id=cast(ReservationState, reservation).id if convert else None,  # convert: not None
                reservation_status=CONVERTED if convert else None, events=events, forfeits=forfeits)


def decide_hold(state: AccountState, *, amount: Decimal, expires_at: datetime,
                lifetime_months: int = 12) -> Plan | Refusal:
    """A hold of `amount` for the call in progress: its plan, a replay of its first hold, or a Refusal."""
    call_id = state.call_id
    if state.reservation is not None:
        if state.reservation.amount == amount:
            return Plan(balance_after=state.balance, replay_id=state.reservation.id)
        return Refusal(CONFLICT, f"Call {call_id} already has ${state.reservation.amount:,.2f} reserved.")
    if state.earlier is not None:
        return Refusal(CONFLICT, f"Call {call_id} has already been charged.")
    if amount > state.available:
        return _insufficient(amount, state.available)
    changes, entries, balance = _forfeits(state, lifetime_months)
    events = balance_events(state.watched, before=state.available, after=state.available - amount)
    return Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries),
                hold=NewHold(call_id, amount, expires_at), events=events, forfeits=len(changes))


def decide_hold_more(state: AccountState, *, amount: Decimal, expires_at: datetime,
                     lifetime_months: int = 12) -> MorePlan | Refusal:
    """The next slice of a call in progress (billing/rating/services/extend.py): `amount` more on its live hold,
    held until at least `expires_at`; a first hold when it has none. Granted only while what is available covers
    `amount`, so concurrent calls never hold more than the balance between them; a hold moves only the recharge
    trigger, as decide_hold's."""
    reservation = state.reservation
    if reservation is None:
        first = decide_hold(state, amount=amount, expires_at=expires_at, lifetime_months=lifetime_months)
        return first if isinstance(first, Refusal) else MorePlan(first)
    if not reservation.holding(state.now):
        return Refusal(HOLD_ENDED, f"The credit held for call {state.call_id} is no longer held.", field="call_id")
    if amount > state.available:
        return _insufficient(amount, state.available)
    changes, entries, balance = _forfeits(state, lifetime_months)
    events = balance_events(state.watched, before=state.available, after=state.available - amount)
    return MorePlan(Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries), events=events,
                         forfeits=len(changes)),
                    HoldIncrease(reservation.id, reservation.amount + amount, max(reservation.expires_at, expires_at)))


def decide_release(state: AccountState) -> Plan | Refusal:
    """Gives the call's hold back: RELEASED while it was live, EXPIRED when past its expiry; twice changes nothing."""
    reservation = state.reservation
    if reservation is None:
        return Refusal(NO_RESERVATION, f"No credit is reserved for call {state.call_id}.", field="call_id")
    if reservation.status != HELD:
        return Plan(balance_after=state.balance, replay_id=reservation.id)
    status = RELEASED if reservation.expires_at > state.now else EXPIRED
    return Plan(balance_after=state.balance, reservation_id=reservation.id, reservation_status=status)


def decide_expire(state: AccountState, *, lifetime_months: int = 12) -> Plan:
    """Forfeits every lot due to expire. What calls may spend does not change (due lots were never available)."""
    changes, entries, balance = _forfeits(state, lifetime_months)
    return Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries))  # the forfeits are its own


def decide_batch(state: AccountState, *, charges: Sequence[tuple[str, Decimal, str, str]], at: datetime,
                 lifetime_months: int = 12) -> Plan | Refusal:
    """The import's charges [(call_id, amount, kind, memo)], one entry each, in order; refused as a whole when
    their total exceeds what is available (the import checked each row against the same `available`)."""
    total = sum((amount for _, amount, _, _ in charges), ZERO)
    if total > state.available:
        return _insufficient(total, state.available)
    changes, entries, balance = _forfeits(state, lifetime_months)
    forfeits = len(changes)
    changes.extend(spend(state.live_lots, total))
    for call_id, amount, kind, memo in charges:
        balance -= amount
        entries.append(NewEntry(kind=kind, amount=-amount, balance_after=balance, idempotency_key=f"{kind}:{call_id}",
                                at=at, call_id=call_id, memo=memo))
    events = balance_events(state.watched, before=state.available, after=state.available - total,
                            spent_before=state.available, spent_after=state.available - total)
    return Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries), events=events,
                forfeits=forfeits)


def decide_adjust(state: AccountState, *, amount: Decimal, key: str, memo: str,
                  lifetime_months: int = 12) -> Plan | Refusal:
    """An operator's negative adjustment (a positive one is a credit: a new lot, no decision needed)."""
    if state.earlier is not None:
        if state.earlier.amount == amount:
            return Plan(balance_after=state.balance, replay_id=state.earlier.id)
        return Refusal(CONFLICT, f"The idempotency key {key!r} was used for another adjustment.")
    if -amount > state.available:
        return _insufficient(-amount, state.available)
    changes, entries, balance = _forfeits(state, lifetime_months)
    forfeits = len(changes)
    changes.extend(spend(state.live_lots, -amount))
    balance += amount
    entries.append(NewEntry(kind=ADJUSTMENT, amount=amount, balance_after=balance, idempotency_key=f"adjustment:{key}",
                            at=state.now, memo=memo))
    events = balance_events(state.watched, before=state.available, after=state.available + amount,
                            spent_before=state.available, spent_after=state.available + amount)
    return Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries), events=events,
                forfeits=forfeits)


def decide_refund(state: AccountState, *, purchase_id: int, amount: Decimal | None, key: str, memo: str,
                  lifetime_months: int = 12) -> Plan | Refusal:
    """A refund of (part of) one purchase's own lot; `amount` None refunds all that is left of it."""
    if state.earlier is not None:
        if state.earlier.purchase_id == purchase_id and (amount is None or -state.earlier.amount == amount):
            return Plan(balance_after=state.balance, replay_id=state.earlier.id)
        return Refusal(CONFLICT, f"The idempotency key {key!r} was used for another refund.")
    lot = next((lot for lot in state.live_lots if lot.purchase_id == purchase_id), None)
    if lot is None:
        return Refusal(NOTHING_TO_REFUND, "Nothing of this purchase is left to refund: it was spent or has expired.",
                       field="purchase")
    amount = lot.remaining if amount is None else amount
    if amount > lot.remaining:
        return Refusal(OVER_REFUND, f"At most ${lot.remaining:,.2f} of this purchase is left to refund.",
                       amount=amount, available=lot.remaining)
    if amount > state.available:
        return _insufficient(amount, state.available)
    changes, entries, balance = _forfeits(state, lifetime_months)
    forfeits = len(changes)
    changes.append(LotChange(lot.id, lot.remaining - amount))
    balance -= amount
    entries.append(NewEntry(kind=REFUND, amount=-amount, balance_after=balance, idempotency_key=f"refund:{key}",
                            at=state.now, lot_id=lot.id, purchase_id=purchase_id, memo=memo))
    events = balance_events(state.watched, before=state.available, after=state.available - amount,
                            spent_before=state.available, spent_after=state.available - amount)
    return Plan(balance_after=balance, lot_changes=tuple(changes), entries=tuple(entries), events=events,
                forfeits=forfeits)
