"""Hypothesis stateful test: fund, debit, reserve, release, expire and refund against a simple model of the rules.

The model keeps lots (remaining, expiry) in purchase order, held reservations and charged calls; after every
step the database must agree with it: balance, available balance, each lot's remainder, and the ledger
check (balance = Σ ledger = Σ lots, running balances add up).
"""
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from billing.credits.exceptions import InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import Lot
from billing.credits.selectors import credits_balance
from billing.credits.services import (
    credits_add_funds,
    credits_debit,
    credits_expire_lots,
    credits_refund,
    credits_release,
    credits_reserve,
    payment_method_add_card,
)
from core.money import ZERO
from tests.factories import TenantFactory

CENTS = st.integers(min_value=1, max_value=40_000).map(lambda c: Decimal(c) / 100)
DOLLARS = st.integers(min_value=1, max_value=400)


class CreditsMachine(RuleBasedStateMachine):
    purchases = Bundle("purchases")
    held_calls = Bundle("held_calls")
    charged_calls = Bundle("charged_calls")

    def __init__(self):
        super().__init__()
        self.serial = itertools.count(1)
        self.tenant = TenantFactory()
        self.card = payment_method_add_card(tenant=self.tenant, number="4242424242424242", exp_month=12,
                                            exp_year=timezone.localdate().year + 2, holder_name="Model", actor=None)
        self.lots = {}  # lot id -> [remaining, expires_at], in purchase order
        self.held = {}  # call id -> amount
        self.charged = {}  # call id -> amount
        self.clock = timezone.now()

    @property
    def balance(self):
        return sum((lot[0] for lot in self.lots.values()), ZERO)

    @property
    def available(self):
        return self.balance - sum(self.held.values(), ZERO)

    def _call(self):
        return f"call-{next(self.serial)}"

    @rule(target=purchases, amount=DOLLARS)
    def fund(self, amount):
        purchase = credits_add_funds(tenant=self.tenant, amount=amount, payment_method=self.card,
                                     idempotency_key=f"fund-{next(self.serial)}", actor=None).purchase
        self.lots[purchase.lot.pk] = [Decimal(amount), purchase.lot.expires_at]
        return purchase

    @rule(purchase=purchases)
    def fund_again_with_the_same_key(self, purchase):
        again = credits_add_funds(tenant=self.tenant, amount=purchase.amount, payment_method=self.card,
                                  idempotency_key=purchase.idempotency_key, actor=None)
        assert again.purchase.pk == purchase.pk and again.replayed

    def _spend(self, amount):
        left = amount
        for lot in self.lots.values():
            take = min(lot[0], left)
            lot[0] -= take
            left -= take
        assert left == 0

    @rule(target=charged_calls, amount=CENTS)
    def debit(self, amount):
        call_id = self._call()
        if amount > self.available:
            with pytest.raises(InsufficientCredits):
                credits_debit(tenant=self.tenant, amount=amount, call_id=call_id)
            return call_id
        credits_debit(tenant=self.tenant, amount=amount, call_id=call_id)
        self._spend(amount)
        self.charged[call_id] = amount
        return call_id

    @rule(call_id=charged_calls)
    def debit_the_same_call_again(self, call_id):
        if call_id in self.charged:
            entry = credits_debit(tenant=self.tenant, amount=self.charged[call_id], call_id=call_id)
            assert entry.amount == -self.charged[call_id]

    @rule(target=held_calls, amount=CENTS)
    def reserve(self, amount):
        call_id = self._call()
        if amount > self.available:
            with pytest.raises(InsufficientCredits):
                credits_reserve(tenant=self.tenant, amount=amount, call_id=call_id)
            return call_id
        credits_reserve(tenant=self.tenant, amount=amount, call_id=call_id)
        self.held[call_id] = amount
        return call_id

    @rule(call_id=consumes(held_calls))
    def release(self, call_id):
        if call_id not in self.held:
            with pytest.raises(ValidationError):
                credits_release(tenant=self.tenant, call_id=call_id)
            return
        credits_release(tenant=self.tenant, call_id=call_id)
        del self.held[call_id]

    @rule(call_id=consumes(held_calls), amount=CENTS)
    def charge_a_reserved_call(self, call_id, amount):
        own = self.held.get(call_id, ZERO)
        if amount > self.available + own:
            with pytest.raises(InsufficientCredits):
                credits_debit(tenant=self.tenant, amount=amount, call_id=call_id)
            return
        credits_debit(tenant=self.tenant, amount=amount, call_id=call_id)
        self.held.pop(call_id, None)
        self._spend(amount)
        self.charged[call_id] = amount

    @rule(days=st.integers(min_value=1, max_value=200))
    def time_passes_and_lots_expire(self, days):
        self.clock += timedelta(days=days)
        entries = credits_expire_lots(tenant=self.tenant, now=self.clock)
        expected = {lot_id for lot_id, (remaining, expires) in self.lots.items() if remaining and expires <= self.clock}
        assert {e.lot_id for e in entries} == expected
        for lot_id in expected:
            self.lots[lot_id][0] = ZERO

    @rule(purchase=purchases, part=st.integers(min_value=1, max_value=100))
    def refund(self, purchase, part):
        remaining = self.lots[purchase.lot.pk][0]
        amount = (remaining * part / 100).quantize(Decimal("0.01")) if remaining else Decimal("0.01")
        key = f"refund-{next(self.serial)}"
        if not remaining or amount == 0 or amount > remaining:
            with pytest.raises(ValidationError):
                credits_refund(purchase=purchase, amount=amount, idempotency_key=key, actor=None)
        elif amount > self.available:
            with pytest.raises(InsufficientCredits):
                credits_refund(purchase=purchase, amount=amount, idempotency_key=key, actor=None)
        else:
            credits_refund(purchase=purchase, amount=amount, idempotency_key=key, actor=None)
            self.lots[purchase.lot.pk][0] -= amount

    @invariant()
    def database_agrees_with_the_model(self):
        balance = credits_balance(tenant=self.tenant)
        assert balance.balance == self.balance
        assert balance.reserved == sum(self.held.values(), ZERO)
        assert balance.available == max(self.available, ZERO)
        stored = dict(Lot.objects.filter(account__tenant=self.tenant).values_list("id", "remaining"))
        assert stored == {lot_id: lot[0] for lot_id, lot in self.lots.items()}
        assert ledger_problems(tenant=self.tenant) == []


def test_ledger_follows_the_model_of_the_rules(db):
    run_state_machine_as_test(CreditsMachine, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
