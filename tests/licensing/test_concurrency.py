"""Real row locks on PostgreSQL: racing assignments never exceed what was bought; one credits subscription."""

import pytest
from django.core.exceptions import ValidationError

from licensing.models import LicenseAssignment, Subscription, SubscriptionQuantityChange
from licensing.services import licenses_change, subscription_ensure_communications_credits
from tests.concurrency import race
from tests.factories import TenantFactory, UserFactory
from tests.licensing.factories import SubscriptionFactory, ensure_catalogue, product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_assignments_of_the_last_licenses_never_overshoot():
    ensure_catalogue()
    tenant = TenantFactory()
    e3 = product("SPE_E3")
    SubscriptionFactory(tenant=tenant, product=e3, enabled_units=3)
    users = [UserFactory(tenant=tenant) for _ in range(8)]
    outcome = race(8, lambda i: licenses_change(tenant=tenant, actor=None, users=[users[i]], add=[e3]))
    errors = outcome.raised(ValidationError)
    assert len(errors) == 5
    assert LicenseAssignment.objects.filter(tenant=tenant, product=e3).count() == 3
    assert all("0 available" in " ".join(e.message_dict["licenses"]) for e in errors)


def test_racing_credits_guarantees_make_one_subscription_and_one_ledger_entry():
    ensure_catalogue()
    tenant = TenantFactory()
    results, errors = race(4, lambda i: subscription_ensure_communications_credits(tenant=tenant, actor=None))
    assert not errors and len(results) == 4
    assert Subscription.objects.filter(tenant=tenant).count() == 1
    assert SubscriptionQuantityChange.objects.filter(subscription__tenant=tenant).count() == 1
