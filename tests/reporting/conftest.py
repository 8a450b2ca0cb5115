"""Fixtures of the reports tests: a funded tenant, calls charged through the credits ledger, license helpers."""
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.credits.services import credits_add_funds, credits_debit, payment_method_add_card
from licensing.models import Product
from licensing.services import licenses_change, subscription_buy
from tests.reporting.factories import CallRecordFactory


@pytest.fixture
def card(tenant, billing_admin):
    return payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12,
                                   exp_year=timezone.localdate().year + 3, cvc="123", holder_name="Bill Billing",
                                   actor=billing_admin)


@pytest.fixture
def fund(tenant, card, billing_admin):
    """fund(amount, at=None) buys credits for the tenant (a purchase lot dated `at`)."""
    keys = itertools.count(1)

    def buy(amount, *, at=None):
        return credits_add_funds(tenant=tenant, amount=Decimal(amount), payment_method=card,
                                 idempotency_key=f"reports-test-{next(keys)}", actor=billing_admin, at=at).purchase

    return buy


@pytest.fixture
def frozen(monkeypatch):
    """frozen(moment) makes timezone.now() return `moment` (the ledger stamps entries with it)."""

    def freeze(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def charged_call(tenant, frozen):
    """charged_call(charge, start_at=..., **fields): a call record whose charge the credits ledger debited when the
    call ended, the way rating completes a call paid from credits."""

    def make(charge, *, kind="call_charge", **fields):
        record = CallRecordFactory(tenant=tenant, charge=Decimal(charge), capability=fields.pop("capability", "MCOPSTNPP"),
                                   **fields)
        real_now = timezone.now
        frozen(record.end_at)
        try:
            credits_debit(tenant=tenant, amount=Decimal(charge), call_id=record.call_id, kind=kind)
        finally:
            timezone.now = real_now
        return record

    return make


@pytest.fixture
def assign():
    """assign(user, *part_numbers) buys one license of each product and assigns it (through the licensing services,
    which write the audit row of the change)."""
    keys = itertools.count(1)

    def give(user, *part_numbers):
        products = list(Product.objects.filter(sku_part_number__in=part_numbers))
        assert len(products) == len(part_numbers), part_numbers
        for product in products:
            subscription_buy(tenant=user.tenant, product=product, quantity=1, actor=None,
                             idempotency_key=f"reports-license-{next(keys)}")
        licenses_change(tenant=user.tenant, actor=None, users=[user], add=products)

    return give


@pytest.fixture
def place_call(tenant):
    """place_call(user, callee, start_at=None, seconds=60): authorizes and completes a call through rating's call
    services (default rate deck), as the telephony platform does. Returns the call record, or None if blocked."""
    from billing.rating.services import call_authorize, call_complete

    ids = itertools.count(1)

    def place(user, callee, *, start_at=None, seconds=60, call_type="user_out"):
        call_id = f"placed-{next(ids)}"
        decision = call_authorize(tenant=tenant, call_id=call_id, call_type=call_type, callee_number=callee,
                                  start_at=start_at or timezone.now(), user_principal_name=user.upn)
        if not decision.allowed:
            return None
        return call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds)

    return place
