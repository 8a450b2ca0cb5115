"""Calling Plans are assigned only where they are sold (licensing/availability.py), enforced by licenses_change."""
import pytest
from django.core.exceptions import ValidationError

from licensing.availability import plan_available_in
from licensing.models import LicenseAssignment, Product
from licensing.services import licenses_change
from tests.factories import UserFactory
from tests.licensing.factories import product


@pytest.fixture
def located(tenant):
    return lambda country: UserFactory(tenant=tenant, display_name=f"In {country}", usage_location=country)


def assign(tenant, actor, users, *parts):
    return licenses_change(tenant=tenant, actor=actor, users=users, add=[product(p) for p in parts])


def test_the_zones_and_countries_of_the_products_data():
    assert plan_available_in("MCOPSTN_PAYG_1", "GB") and not plan_available_in("MCOPSTN_PAYG_1", "DE")
    assert plan_available_in("MCOPSTN_PAYG_2", "de") and not plan_available_in("MCOPSTN_PAYG_2", "US")
    assert plan_available_in("MCOPSTN1", "JP") and not plan_available_in("MCOPSTN1", "IN")
    assert plan_available_in("MCOMEETADV", "IN")  # not listed: wherever a user has a usage location


def test_a_calling_plan_not_sold_in_the_users_country_is_refused_and_nothing_is_assigned(
        tenant, license_admin, located, calling_subscriptions, subscribe):
    subscribe("MCOPSTN_PAYG_1")
    india, germany = located("IN"), located("DE")
    with pytest.raises(ValidationError) as caught:
        assign(tenant, license_admin, [india, germany], "MCOEV", "MCOPSTN1", "MCOPSTN_PAYG_1")
    payg = Product.objects.get(sku_part_number="MCOPSTN_PAYG_1").name  # errors name products as the checkboxes do
    assert sorted(caught.value.message_dict["licenses"]) == [
        f"In DE: {payg} isn't available for users whose usage location is Germany.",
        f"In IN: {payg} isn't available for users whose usage location is India.",
        "In IN: Microsoft Teams Domestic Calling Plan isn't available for users whose usage location is India."]
    assert not LicenseAssignment.objects.exists()
    assign(tenant, license_admin, [germany], "MCOEV", "MCOPSTN1")
    assert LicenseAssignment.objects.filter(user=germany).count() == 2


def test_operators_can_change_where_plans_are_sold(settings, tenant, license_admin, located, calling_subscriptions):
    settings.LICENSING_PLAN_USAGE_LOCATIONS = {"MCOPSTN1": ["IN"]}
    assign(tenant, license_admin, [located("IN")], "MCOEV", "MCOPSTN1")
    assert not plan_available_in("MCOPSTN1", "US")
