"""Fixtures of the recharge tests: a funded tenant with auto-recharge on, debits with their after-commit work run,
and the two admins who receive billing emails."""
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.credits.services import auto_recharge_update, credits_add_funds, credits_debit, payment_method_add_card

VISA = "4242 4242 4242 4242"
MASTERCARD = "5555 5555 5555 4444"
DECLINED = "4000 0000 0000 0341"  # added (verified), then every charge is declined
DECLINED_AT_ADD = "4000 0000 0000 0002"
INSUFFICIENT = "4000 0000 0000 9995"
EXPIRED_AT_ISSUER = "4000 0000 0000 0069"


@pytest.fixture(autouse=True)
def _short_retry_delays(settings):
    """The product's waits (1 h, 6 h, 24 h) in seconds, named so the tests can move the clock past them."""
    settings.CREDITS_RECHARGE_RETRY_DELAYS = [3600, 21600, 86400]


@pytest.fixture
def admins(global_admin, billing_admin):
    """The tenant's two receivers of billing emails."""
    return [global_admin, billing_admin]


@pytest.fixture
def add_card(tenant, billing_admin):
    def add(number=VISA):
        return payment_method_add_card(tenant=tenant, number=number, exp_month=12, exp_year=timezone.localdate().year + 3,
                                       cvc="123", holder_name="Bill Billing", actor=billing_admin)

    return add


@pytest.fixture
def card(add_card):
    return add_card()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """run_on_commit(fn, **kwargs): calls fn, then what it left for after the commit (tasks run eagerly, emails)."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = fn(**kwargs)
        run.callbacks = callbacks
        return result

    return run


@pytest.fixture
def funded(tenant, card, billing_admin, admins, run_on_commit):
    """funded(amount, trigger=200, recharge=500, method=card): buys `amount`, then turns auto-recharge on."""

    def setup(amount=Decimal("300"), *, trigger=200, recharge=500, method=None):
        method = method or card
        credits_add_funds(tenant=tenant, amount=amount, payment_method=card, idempotency_key="initial",
                          actor=billing_admin)
        run_on_commit(auto_recharge_update, tenant=tenant, enabled=True, trigger_amount=trigger,
                      recharge_amount=recharge, payment_method=method, actor=billing_admin)
        return tenant

    return setup


@pytest.fixture
def debit(tenant, run_on_commit):
    """debit(amount): charges a call to credits and runs its after-commit work (the recharge, the emails)."""
    calls = itertools.count(1)

    def charge(amount, *, call_id=None):
        return run_on_commit(credits_debit, tenant=tenant, amount=Decimal(amount), call_id=call_id or f"call-{next(calls)}")

    return charge


@pytest.fixture
def fund_without_recharge(tenant, card, billing_admin, admins):
    def buy(amount):
        return credits_add_funds(tenant=tenant, amount=Decimal(amount), payment_method=card, idempotency_key="initial",
                                 actor=billing_admin).purchase

    return buy
