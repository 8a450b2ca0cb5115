"""Licensing fixtures: a tenant with subscriptions of the calling products, and people to license."""
import pytest

from tests.factories import UserFactory
from tests.licensing.factories import SubscriptionFactory, product


@pytest.fixture
def subscribe(tenant):
    """subscribe("MCOPSTN1", 3) gives the test tenant a subscription of that many licenses."""

    def make(part_number, units=25, for_tenant=None):
        return SubscriptionFactory(tenant=for_tenant or tenant, product=product(part_number), enabled_units=units)

    return make


@pytest.fixture
def calling_subscriptions(subscribe):
    return {part: subscribe(part) for part in ["SPE_E5", "SPE_E3", "MCOEV", "MCOPSTN1", "MCOPSTN2", "MCOMEETADV",
                                               "MCOPSTNC"]}


@pytest.fixture
def people(tenant):
    """Five users of the tenant with a US usage location."""
    return [UserFactory(tenant=tenant, display_name=f"Person {i}", usage_location="US") for i in range(5)]
