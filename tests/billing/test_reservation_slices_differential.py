"""A call's next slice (credits_reserve_more) is one decision, decide_hold_more, that the plain-SQL and the ORM
executors apply alike: the ledger state machine of test_ledger_differential.py with extensions added to its steps,
then the decision on hand-made states with exact figures."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import rule

from billing.credits import decisions as rules
from billing.credits.exceptions import InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import Reservation
from billing.credits.services import credits_debit, credits_reserve
from billing.credits.services.reservation_slices import credits_reserve_more
from tests.billing.test_ledger_differential import CENTS, NOW, Differential, _state, run_differential
from tests.billing.test_ledger_differential import path as path  # noqa: F401 (a fixture)
from tests.billing.test_ledger_differential import recharge_events as recharge_events  # noqa: F401 (a fixture)


class WithSlices(Differential):
    @rule(call_id=Differential.calls, amount=CENTS, minutes=st.integers(min_value=1, max_value=120))
    def extend(self, call_id, amount, minutes):
        """The next slice of a call that may hold, have released, expired or been charged its hold."""
        expires = timezone.now() + timedelta(minutes=minutes)
        self.both(lambda side: credits_reserve_more(tenant=side.tenant, call_id=call_id, amount=amount,
                                                    expires_at=expires))

    @rule(target=Differential.calls, amount=CENTS)
    def extend_a_call_with_no_hold(self, amount):
        call_id = self._call()
        expires = timezone.now() + timedelta(minutes=10)
        self.both(lambda side: credits_reserve_more(tenant=side.tenant, call_id=call_id, amount=amount,
                                                    expires_at=expires))
        return call_id


def test_both_executors_grant_the_same_slices_and_leave_identical_ledgers(db, clock, recharge_events, monkeypatch):
    run_differential(WithSlices, clock=clock, recharge_events=recharge_events, monkeypatch=monkeypatch,
                     max_examples=20)


def test_slices_grow_one_reservation_until_the_balance_is_held_on_either_path(path, tenant, fund, clock):
    """$10 funded; A holds $4, B $3; A asks $2 more (held $6), then $2 more: only $1 is left, refused."""
    fund(10)
    soon = timezone.now() + timedelta(minutes=10)
    credits_reserve(tenant=tenant, amount=Decimal("4"), call_id="A", expires_at=soon)
    credits_reserve_more(tenant=tenant, call_id="B", amount=Decimal("3"), expires_at=soon)  # no hold yet: a first one
    later = soon + timedelta(minutes=10)
    grown = credits_reserve_more(tenant=tenant, call_id="A", amount=Decimal("2"), expires_at=later)
    assert (grown.amount, grown.expires_at, Reservation.objects.filter(call_id="A").count()) == (
        Decimal("6.00"), later, 1)
    with pytest.raises(InsufficientCredits) as refused:
        credits_reserve_more(tenant=tenant, call_id="A", amount=Decimal("2"), expires_at=later)
    assert refused.value.available == Decimal("1.00")
    assert credits_reserve_more(tenant=tenant, call_id="A", amount=Decimal("1"), expires_at=soon).expires_at == later
    assert credits_debit(tenant=tenant, amount=Decimal("6.50"), call_id="A").balance_after == Decimal("3.50")
    with pytest.raises(ValidationError, match="no longer held"):
        credits_reserve_more(tenant=tenant, call_id="A", amount=Decimal("1"), expires_at=later)
    assert ledger_problems(tenant=tenant) == []


# ---------------------------------------------------------------------------- the decision, on hand-made states
def test_the_next_slice_is_added_to_the_live_hold_and_moves_only_the_recharge_trigger():
    live = rules.ReservationState(9, Decimal("3.00"), rules.HELD, NOW + timedelta(minutes=5))
    # available: $20 - $7 due to expire - $3 held = $10; $6 more leaves $4, past the $5 trigger (no emails: a hold)
    more = rules.decide_hold_more(_state(reservation=live), amount=Decimal("6.00"),
                                  expires_at=NOW + timedelta(minutes=15))
    assert more.increase == rules.HoldIncrease(9, Decimal("9.00"), NOW + timedelta(minutes=15))
    assert [e.kind for e in more.plan.events] == ["recharge"]
    assert [(e.kind, e.amount) for e in more.plan.entries] == [("expiry", Decimal("-7.00"))]  # due lots go first
    assert more.plan.balance_after == Decimal("13.00") and more.plan.hold is None
    earlier = rules.decide_hold_more(_state(reservation=live), amount=Decimal("1.00"),
                                     expires_at=NOW + timedelta(minutes=1))
    assert earlier.increase.expires_at == NOW + timedelta(minutes=5)  # never shortens the hold


def test_the_next_slice_is_refused_past_the_available_balance_or_once_the_hold_ended():
    live = rules.ReservationState(9, Decimal("3.00"), rules.HELD, NOW + timedelta(minutes=5))
    refusal = rules.decide_hold_more(_state(reservation=live), amount=Decimal("10.01"), expires_at=NOW)
    assert (refusal.reason, refusal.amount, refusal.available) == (rules.INSUFFICIENT, Decimal("10.01"),
                                                                   Decimal("10.00"))
    for ended in (rules.ReservationState(9, Decimal("3.00"), rules.CONVERTED, NOW + timedelta(minutes=5)),
                  rules.ReservationState(9, Decimal("3.00"), rules.HELD, NOW)):
        refusal = rules.decide_hold_more(_state(reservation=ended), amount=Decimal("1.00"), expires_at=NOW)
        assert (refusal.reason, refusal.field) == (rules.HOLD_ENDED, "call_id")
    first = rules.decide_hold_more(_state(), amount=Decimal("2.00"), expires_at=NOW + timedelta(minutes=5))
    assert first.increase is None and first.plan.hold == rules.NewHold("c", Decimal("2.00"), NOW + timedelta(minutes=5))
