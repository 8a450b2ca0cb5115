"""Selectors other apps build on: plans a user holds, plan counts per country, entitlements, licensed users."""
import pytest

from licensing.models import ServicePlan
from licensing.selectors import assigned_plan_counts, entitlement_for, licensed_user_count, user_service_plans
from tests.factories import UserFactory
from tests.licensing.factories import give_license


def test_user_service_plans_expands_a_suite(tenant):
    user = UserFactory(tenant=tenant)
    give_license(user, "SPE_E5")
    plans = user_service_plans(user=user)
    assert {"MCOEV", "MCOMEETADV", "TEAMS1"} <= plans
    assert "MCOPSTN1" not in plans


def test_user_service_plans_leaves_out_a_switched_off_plan(tenant):
    user = UserFactory(tenant=tenant)
    give_license(user, "SPE_E5", disabled={"MCOMEETADV"})
    give_license(user, "MCOPSTN1")
    plans = user_service_plans(user=user)
    assert "MCOMEETADV" not in plans
    assert {"MCOEV", "MCOPSTN1"} <= plans


def test_user_service_plans_of_an_unlicensed_user_is_empty(tenant):
    assert user_service_plans(user=UserFactory(tenant=tenant)) == frozenset()


def test_assigned_plan_counts_groups_by_usage_location_in_one_query(tenant, other_tenant, django_assert_num_queries):
    for location in ["US", "US", "PR", "GB"]:
        user = UserFactory(tenant=tenant, usage_location=location)
        give_license(user, "SPE_E5")
        give_license(user, "MCOPSTN1")
    both = UserFactory(tenant=tenant, usage_location="GB")
    give_license(both, "SPE_E5")
    give_license(both, "MCOEV")  # MCOEV twice: still one user
    give_license(UserFactory(tenant=other_tenant, usage_location="US"), "MCOPSTN1")
    switched_off = UserFactory(tenant=tenant, usage_location="US")
    give_license(switched_off, "SPE_E5", disabled={"MCOEV"})
    with django_assert_num_queries(1):
        counts = assigned_plan_counts(tenant=tenant, plan_names=["MCOPSTN1", "MCOEV"])
    assert counts == {
        ("MCOPSTN1", "US"): 2, ("MCOPSTN1", "PR"): 1, ("MCOPSTN1", "GB"): 1,
        ("MCOEV", "US"): 2, ("MCOEV", "PR"): 1, ("MCOEV", "GB"): 2,
    }


def test_entitlement_of_the_domestic_calling_plan_depends_on_country(db):
    plan = entitlement_for("MCOPSTN1")
    assert plan.minutes_for("US") == 3000
    assert plan.minutes_for("pr") == 3000
    assert plan.minutes_for("CA") == 3000
    assert plan.minutes_for("GB") == 1200
    assert plan.minutes_for("DE") == 1200
    assert plan.international_minutes == 0
    assert plan.pooled is True
    assert plan.enables_communications_credits is True
    assert plan.requires_any_of == frozenset({"MCOEV"})


def test_entitlements_of_the_other_calling_products(db):
    assert entitlement_for("MCOPSTN2").international_minutes == 600
    assert entitlement_for("MCOPSTN2").minutes_for("US") == 3000
    assert entitlement_for("MCOPSTN5").minutes_for("US") == 120
    assert entitlement_for("MCOPSTN_6").minutes_for("GB") == 240
    assert entitlement_for("MCOPSTN8").pooled is False
    assert entitlement_for("MCOPSTN_PAYG_1").minutes_for("US") == 0
    conferencing = entitlement_for("MCOMEETADV")
    assert (conferencing.dial_out_minutes, conferencing.pooled, conferencing.enables_communications_credits) == (
        60, True, True)
    phone = entitlement_for("MCOEV")
    assert phone.is_prerequisite is True
    assert phone.enables_communications_credits is False
    assert entitlement_for("MCOPSTNC").requires_any_of >= {"MCOPSTN1", "MCOMEETADV", "MCOPSTN_PAYG_2"}


def test_entitlement_follows_an_operator_edit(db):
    plan = ServicePlan.objects.get(name="MCOPSTN1")
    plan.country_minutes.create(country="IE", minutes=2000)
    assert entitlement_for("MCOPSTN1").minutes_for("IE") == 2000


def test_entitlement_of_an_unknown_plan_names_it(db):
    with pytest.raises(ServicePlan.DoesNotExist, match="NOPE"):
        entitlement_for("NOPE")


def test_licensed_user_count_counts_people_not_licenses(tenant, other_tenant):
    first, second = UserFactory(tenant=tenant), UserFactory(tenant=tenant)
    UserFactory(tenant=tenant)
    give_license(first, "SPE_E5")
    give_license(first, "MCOPSTN1")
    give_license(second, "SPE_E3")
    give_license(UserFactory(tenant=other_tenant), "SPE_E3")
    assert licensed_user_count(tenant=tenant) == 2
