"""The licensing rules of licenses_change, the service every page and the Graph API share."""
import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from licensing.models import AssignedPlan, LicenseAssignment
from licensing.selectors import user_service_plans
from licensing.services import licenses_change
from tests.factories import UserFactory
from tests.licensing.factories import product


def held(user):
    return sorted(LicenseAssignment.objects.filter(user=user).values_list("product__sku_part_number", flat=True))


def change(tenant, actor, users, **kwargs):
    for key in ("add", "remove"):
        kwargs[key] = [product(p) for p in kwargs.get(key, ())]
    return licenses_change(tenant=tenant, actor=actor, users=users, **kwargs)


def errors_of(exc):
    return " | ".join(exc.value.message_dict["licenses"])


def test_assign_more_keeps_existing_licenses_and_audits_each_user(tenant, license_admin, people,
                                                                  calling_subscriptions):
    change(tenant, license_admin, people[:2], add=["SPE_E5"])
    result = change(tenant, license_admin, people[:2], add=["MCOPSTN1"])
    assert result.assigned == 2
    assert held(people[0]) == ["MCOPSTN1", "SPE_E5"]
    assert AuditLog.objects.filter(action="user.licenses").count() == 4
    entry = AuditLog.objects.filter(action="user.licenses", target_id=str(people[0].pk)).first()
    assert entry.before == {"SPE_E5": []}
    assert entry.after == {"MCOPSTN1": [], "SPE_E5": []}


def test_replace_removes_what_is_not_selected(tenant, license_admin, people, calling_subscriptions):
    change(tenant, license_admin, people[:1], add=["SPE_E5", "MCOMEETADV"])
    result = change(tenant, license_admin, people[:1], add=["SPE_E3"], remove_others=True)
    assert held(people[0]) == ["SPE_E3"]
    assert (result.assigned, result.unassigned) == (1, 2)


def test_unassign_all(tenant, license_admin, people, calling_subscriptions):
    change(tenant, license_admin, people[:3], add=["SPE_E5", "MCOPSTN1"])
    result = change(tenant, license_admin, people[:3], remove_others=True)
    assert result.unassigned == 6
    assert not LicenseAssignment.objects.exists()
    assert not AssignedPlan.objects.exists()


def test_no_license_without_a_usage_location(tenant, license_admin, people, calling_subscriptions):
    nowhere = UserFactory(tenant=tenant, display_name="Nomad Nowhere", usage_location="")
    with pytest.raises(ValidationError) as exc:
        change(tenant, license_admin, [people[0], nowhere], add=["SPE_E3"])
    assert "Nomad Nowhere: License assignment cannot be done for user with invalid usage location" in errors_of(exc)
    assert not LicenseAssignment.objects.exists()


def test_bulk_assign_of_ten_with_three_left_assigns_none_and_says_why(tenant, license_admin, subscribe):
    subscribe("SPE_E3", 3)
    users = [UserFactory(tenant=tenant) for _ in range(10)]
    with pytest.raises(ValidationError) as exc:
        change(tenant, license_admin, users, add=["SPE_E3"])
    assert "Microsoft 365 E3: 10 licenses needed, 3 available. No licenses were assigned." in errors_of(exc)
    assert not LicenseAssignment.objects.exists()
    assert not AuditLog.objects.filter(action="user.licenses").exists()


def test_capacity_counts_licenses_other_users_already_hold(tenant, license_admin, people, subscribe):
    subscribe("SPE_E3", 3)
    change(tenant, license_admin, people[:2], add=["SPE_E3"])
    change(tenant, license_admin, people[:3], add=["SPE_E3"])  # only people[2] needs a new one
    with pytest.raises(ValidationError, match="1 licenses needed, 0 available"):
        change(tenant, license_admin, people[3:4], add=["SPE_E3"])


def test_no_license_of_a_product_the_tenant_does_not_subscribe_to(tenant, license_admin, people):
    with pytest.raises(ValidationError, match="no active Microsoft Teams Phone Standard subscription"):
        change(tenant, license_admin, people[:1], add=["MCOEV"])


def test_a_calling_plan_needs_teams_phone(tenant, license_admin, people, calling_subscriptions):
    with pytest.raises(ValidationError) as exc:
        change(tenant, license_admin, people[:1], add=["MCOPSTN1"])
    assert errors_of(exc) == ("Microsoft Teams Domestic Calling Plan needs Microsoft Teams Phone Standard "
                              "(also included in Microsoft 365 E5).")
    assert held(people[0]) == []


@pytest.mark.parametrize("phone", ["MCOEV", "SPE_E5"])
def test_a_calling_plan_with_teams_phone_alone_or_in_a_suite(tenant, license_admin, people, calling_subscriptions,
                                                             phone):
    change(tenant, license_admin, people[:1], add=[phone, "MCOPSTN1"])
    assert "MCOPSTN1" in user_service_plans(user=people[0])


def test_a_calling_plan_fails_when_the_suite_has_teams_phone_switched_off(tenant, license_admin, people,
                                                                          calling_subscriptions):
    e5 = product("SPE_E5")
    with pytest.raises(ValidationError, match="needs Microsoft Teams Phone Standard"):
        licenses_change(tenant=tenant, actor=license_admin, users=people[:1], add=[e5, product("MCOPSTN1")],
                        disabled_plans={e5.pk: {"MCOEV"}})


def test_communications_credits_need_a_calling_plan_or_audio_conferencing(tenant, license_admin, people,
                                                                          calling_subscriptions):
    with pytest.raises(ValidationError, match="Communications Credits needs .*Microsoft 365 Audio Conferencing"):
        change(tenant, license_admin, people[:1], add=["SPE_E3", "MCOPSTNC"])
    change(tenant, license_admin, people[:1], add=["MCOMEETADV", "MCOPSTNC"])
    assert held(people[0]) == ["MCOMEETADV", "MCOPSTNC"]


def test_removing_a_prerequisite_names_the_dependent_licenses_and_removes_nothing(tenant, license_admin, people,
                                                                                 calling_subscriptions):
    change(tenant, license_admin, people[:1], add=["MCOEV", "MCOPSTN1"])
    with pytest.raises(ValidationError) as exc:
        change(tenant, license_admin, people[:1], remove=["MCOEV"])
    assert errors_of(exc) == ("Microsoft Teams Domestic Calling Plan needs Microsoft Teams Phone Standard. "
                              "Remove Microsoft Teams Domestic Calling Plan too, or keep Microsoft Teams Phone Standard.")
    assert held(people[0]) == ["MCOEV", "MCOPSTN1"]
    change(tenant, license_admin, people[:1], remove=["MCOEV", "MCOPSTN1"])
    assert held(people[0]) == []


def test_switching_off_teams_phone_in_a_suite_names_the_calling_plan(tenant, license_admin, people,
                                                                     calling_subscriptions):
    change(tenant, license_admin, people[:1], add=["SPE_E5", "MCOPSTN1"])
    e5 = product("SPE_E5")
    with pytest.raises(ValidationError, match="Microsoft Teams Domestic Calling Plan needs Microsoft Teams Phone"):
        licenses_change(tenant=tenant, actor=license_admin, users=people[:1], add=[e5],
                        disabled_plans={e5.pk: {"MCOEV"}})
    assert "MCOEV" in user_service_plans(user=people[0])


def test_plan_toggles_switch_a_plan_off_and_on(tenant, license_admin, people, calling_subscriptions):
    e5 = product("SPE_E5")
    change(tenant, license_admin, people[:1], add=["SPE_E5"])
    licenses_change(tenant=tenant, actor=license_admin, users=people[:1], add=[e5],
                    disabled_plans={e5.pk: {"MCOMEETADV"}})
    assert "MCOMEETADV" not in user_service_plans(user=people[0])
    licenses_change(tenant=tenant, actor=license_admin, users=people[:1], add=[e5], disabled_plans={e5.pk: set()})
    assert "MCOMEETADV" in user_service_plans(user=people[0])
    assert AuditLog.objects.filter(action="user.licenses").count() == 3


def test_a_plan_the_product_does_not_have_is_refused(tenant, license_admin, people, calling_subscriptions):
    e3 = product("SPE_E3")
    with pytest.raises(ValidationError, match="Microsoft 365 E3 has no service plan MCOEV"):
        licenses_change(tenant=tenant, actor=license_admin, users=people[:1], add=[e3],
                        disabled_plans={e3.pk: {"MCOEV"}})


def test_another_tenants_user_is_refused(tenant, license_admin, other_tenant_admin, calling_subscriptions):
    with pytest.raises(ValidationError, match="not in your organization"):
        change(tenant, license_admin, [other_tenant_admin], add=["SPE_E3"])
    assert not LicenseAssignment.objects.exists()


def test_a_change_that_changes_nothing_writes_no_audit(tenant, license_admin, people, calling_subscriptions):
    change(tenant, license_admin, people[:1], add=["SPE_E3"])
    result = change(tenant, license_admin, people[:1], add=["SPE_E3"])
    assert result.users_changed == 0
    assert AuditLog.objects.filter(action="user.licenses").count() == 1
