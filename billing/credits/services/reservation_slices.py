"""Growing a call's reservation by one more slice (POST /api/v1/calls/{callId}/extend, billing/rating/services/extend.py).

A call holds one slice of credit at a time; asking for the next adds to the same reservation, so completing the call
converts one reservation into one debit as before. Under the tenant's credit-account lock (taken here if the caller
has not), so concurrent calls of a tenant never hold more than the available balance between them.

The grant is decided once, by billing/credits/decisions.decide_hold_more, on the state either executor reads
(ledger.credits_locked_state: plain SQL, or the ORM when `ledger_hot.ENABLED` is off); each executor then writes the
plan and the reservation's new amount its own way. tests/billing/test_reservation_slices_differential.py runs both.
"""
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from billing.credits import decisions as rules
from billing.credits.models import Reservation
from billing.credits.rules import clean_charge, limits
from core.sql import Statement, column, db_value, table

from . import ledger_hot as hot
from .balance_events import fire
from .ledger import apply_plan, credits_locked_state

_INCREASE = Statement(lambda: (  # the model's own table and column names only
    f"UPDATE {table(Reservation)} SET {column(Reservation, 'amount')} = %s, "  # noqa: S608
    f"{column(Reservation, 'expires_at')} = %s WHERE {column(Reservation, 'id')} = %s"))


def _increase(increase: rules.HoldIncrease) -> None:
    """Writes the reservation's new amount and expiry: one statement on the plain path, an ORM update otherwise."""
    if hot.ENABLED:
        _INCREASE.execute([db_value(Reservation, "amount", increase.amount),
                           db_value(Reservation, "expires_at", increase.expires_at), increase.reservation_id])
    else:
        Reservation.objects.filter(pk=increase.reservation_id).update(amount=increase.amount,
                                                                      expires_at=increase.expires_at)


def credits_reserve_more(*, tenant: Tenant, call_id: str, amount: Decimal, expires_at: datetime,
                         now: datetime | None = None) -> Reservation:
    """Adds `amount` to the call's held reservation (or makes one) and holds it until at least `expires_at`.

    Raises InsufficientCredits (nothing changed) when the available balance does not cover `amount`, and
    ValidationError when the call's reservation was already charged, released or expired.
    """
    amount = clean_charge(amount)
    now = now or timezone.now()
    with transaction.atomic():
        state = credits_locked_state(tenant=tenant, call_id=call_id, now=now)
        decided = rules.decide_hold_more(state, amount=amount, expires_at=expires_at,
                                         lifetime_months=limits().lot_lifetime_months)
        if isinstance(decided, rules.Refusal):
            raise decided.error()
        created: Reservation | None = None
        if decided.plan.writes:
            _, created = apply_plan(state, decided.plan, actor=None)
        if decided.increase is not None:
            _increase(decided.increase)
            reservation_id = decided.increase.reservation_id
            key = f"hold-{reservation_id}-{decided.increase.amount}"
        else:
            assert created is not None  # no increase: the plan made the call's first hold
            reservation_id = created.pk
            key = f"hold-{reservation_id}"
        fire(tenant=tenant, events=decided.plan.events, key=key, watched=state.watched)
        reservation = hot.reservation_by_id(reservation_id)
    assert reservation is not None  # written above, under the lock
    return reservation
