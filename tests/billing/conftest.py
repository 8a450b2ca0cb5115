"""Fixtures of the credits tests: test cards on file and a helper that funds the tenant."""
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.credits.services import credits_add_funds, payment_method_add_card

VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0341"  # added (verified), then every charge is declined
DECLINED_AT_ADD = "4000 0000 0000 0002"
INSUFFICIENT = "4000 0000 0000 9995"
EXPIRED_AT_ISSUER = "4000 0000 0000 0069"


def future_year():
    return timezone.localdate().year + 3


@pytest.fixture
def add_card(tenant, billing_admin):
    """add_card(number=VISA, tenant=..., actor=...) puts a test card on file."""

    def add(number=VISA, *, for_tenant=None, actor=None, holder_name="Bill Billing"):
        return payment_method_add_card(tenant=for_tenant or tenant, number=number, exp_month=12, exp_year=future_year(),
                                       cvc="123", holder_name=holder_name, actor=actor or billing_admin)

    return add


@pytest.fixture
def card(add_card):
    return add_card()


@pytest.fixture
def fund(tenant, card, billing_admin):
    """fund(amount) buys credits for the tenant with the Visa test card under a fresh idempotency key."""
    keys = itertools.count(1)

    def buy(amount, *, key=None, at=None):
        return credits_add_funds(tenant=tenant, amount=Decimal(amount), payment_method=card,
                                 idempotency_key=key or f"test-{next(keys)}", actor=billing_admin, at=at).purchase

    return buy
