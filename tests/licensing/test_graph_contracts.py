"""Contract tests: every shape /v1.0/ returns against the field lists of Microsoft's Graph v1.0 documentation
(learn.microsoft.com/graph/api/resources/…), written out here, and the annotations Microsoft's SDKs send on writes.

The lists are the documented properties of each resource type; a response carries exactly these keys (instance
annotations such as @odata.context aside), so a field missing or misspelled fails here before a script breaks.
"""
from datetime import UTC, datetime

import pytest

from accounts.models import User
from licensing.models import AssignedPlan, LicenseAssignment, Subscription
from tests.factories import UserFactory
from tests.licensing.factories import give_license
from tests.licensing.test_graph_users import assert_graph_error

# subscribedSku resource type (v1.0)
SUBSCRIBED_SKU = {"accountId", "accountName", "appliesTo", "capabilityStatus", "consumedUnits", "id", "prepaidUnits",
                  "servicePlans", "skuId", "skuPartNumber", "subscriptionIds"}
SUBSCRIBED_SKU_CAPABILITY_STATUS = {"Enabled", "Warning", "Suspended", "Deleted", "LockedOut"}
# licenseUnitsDetail resource type
LICENSE_UNITS_DETAIL = {"enabled", "lockedOut", "suspended", "warning"}
# servicePlanInfo resource type
SERVICE_PLAN_INFO = {"appliesTo", "provisioningStatus", "servicePlanId", "servicePlanName"}
# assignedLicense resource type
ASSIGNED_LICENSE = {"disabledPlans", "skuId"}
# assignedPlan resource type
ASSIGNED_PLAN = {"assignedDateTime", "capabilityStatus", "service", "servicePlanId"}
# licenseAssignmentState resource type: state and error values. Graph answers "None" (not null) for an assignment
# without error, which is what admin scripts compare with.
LICENSE_ASSIGNMENT_STATE = {"assignedByGroup", "disabledPlans", "error", "lastUpdatedDateTime", "skuId", "state"}
LICENSE_STATES = {"Active", "ActiveWithError", "Disabled", "Error"}
LICENSE_ERRORS = {"CountViolation", "MutuallyExclusiveViolation", "DependencyViolation",
                  "ProhibitedInUsageLocationViolation", "UniquenessViolation", "Other", "None"}
# licenseDetails resource type
LICENSE_DETAILS = {"id", "servicePlans", "skuId", "skuPartNumber"}

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
PHONE = "e43b5b99-8dfb-405f-9987-dc307f34bcbd"
DOMESTIC = "0dab259f-bf13-4952-b7f8-7db8f131b28d"
PHONE_PLAN = "4828c8ec-dc2e-4779-b502-87ac9ce28ab7"


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


def is_utc_timestamp(text):
    return text.endswith("Z") and datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo == UTC


def test_subscribed_skus_carry_exactly_the_documented_fields(api, tenant, subscribe):
    subscribe("SPE_E5", 10)
    subscribe("MCOPSTN1", 4).__class__.objects.filter(product__sku_part_number="MCOPSTN1").update(
        status=Subscription.Status.DISABLED)
    body = api.get("/v1.0/subscribedSkus").json()
    assert len(body["value"]) == 2
    for sku in body["value"]:
        assert set(sku) == SUBSCRIBED_SKU
        assert set(sku["prepaidUnits"]) == LICENSE_UNITS_DETAIL
        assert sku["capabilityStatus"] in SUBSCRIBED_SKU_CAPABILITY_STATUS
        assert all(set(plan) == SERVICE_PLAN_INFO for plan in sku["servicePlans"])
        assert sku["accountId"] == str(tenant.pk) and sku["accountName"] == tenant.name
        assert sku["appliesTo"] == "User"
        assert len(sku["subscriptionIds"]) == 1
    by_part = {sku["skuPartNumber"]: sku for sku in body["value"]}
    assert by_part["MCOPSTN1"]["capabilityStatus"] == "Suspended"
    assert by_part["MCOPSTN1"]["prepaidUnits"] == {"enabled": 0, "suspended": 4, "warning": 0, "lockedOut": 0}
    one = api.get(f"/v1.0/subscribedSkus/{by_part['SPE_E5']['id']}").json()
    assert {key: value for key, value in one.items() if key != "@odata.context"} == by_part["SPE_E5"]
    assert_graph_error(api.get("/v1.0/subscribedSkus/nothing"), 404, "Request_ResourceNotFound")


def test_users_license_properties_carry_exactly_the_documented_fields(api, tenant, calling_subscriptions):
    user = UserFactory(tenant=tenant, usage_location="US")
    give_license(user, "MCOEV")
    give_license(user, "SPE_E3", disabled={"TEAMS1"})
    body = api.get(f"/v1.0/users/{user.pk}", {"$select": "assignedLicenses,assignedPlans,licenseAssignmentStates"}).json()
    assert all(set(item) == ASSIGNED_LICENSE for item in body["assignedLicenses"])
    assert len(body["assignedPlans"]) == 6
    for plan in body["assignedPlans"]:
        assert set(plan) == ASSIGNED_PLAN
        assert is_utc_timestamp(plan["assignedDateTime"])
    services = {plan["service"]: plan["capabilityStatus"] for plan in body["assignedPlans"]}
    assert services["TeamsForBusiness"] == "Deleted"  # switched off
    assert services["exchange"] == services["MicrosoftCommunicationsOnline"] == "Enabled"
    assert len(body["licenseAssignmentStates"]) == 2
    for state in body["licenseAssignmentStates"]:
        assert set(state) == LICENSE_ASSIGNMENT_STATE
        assert state["state"] in LICENSE_STATES and state["error"] in LICENSE_ERRORS
        assert state["assignedByGroup"] is None
        assert is_utc_timestamp(state["lastUpdatedDateTime"])
    assert [(s["state"], s["error"]) for s in body["licenseAssignmentStates"]] == [("Active", "None")] * 2
    e3 = next(s for s in body["licenseAssignmentStates"] if s["skuId"] == E3)
    assert e3["disabledPlans"] == ["57ff2da0-773e-42df-b2af-ffb7a2317929"]


def test_license_details_carry_exactly_the_documented_fields(api, tenant, calling_subscriptions):
    user = UserFactory(tenant=tenant, usage_location="US")
    give_license(user, "SPE_E5")
    (detail,) = api.get(f"/v1.0/users/{user.pk}/licenseDetails").json()["value"]
    assert set(detail) == LICENSE_DETAILS
    assert all(set(plan) == SERVICE_PLAN_INFO for plan in detail["servicePlans"])


def states(api, user):
    body = api.get(f"/v1.0/users/{user.pk}", {"$select": "licenseAssignmentStates"}).json()
    return {s["skuId"]: (s["state"], s["error"]) for s in body["licenseAssignmentStates"]}


def test_license_assignment_states_report_each_broken_rule(api, tenant, subscribe):
    phone = subscribe("MCOEV", 2)
    subscribe("MCOPSTN1", 5)
    ada, bob = (UserFactory(tenant=tenant, usage_location="US") for _ in range(2))
    give_license(ada, "MCOEV")
    give_license(ada, "MCOPSTN1")
    give_license(bob, "MCOEV")
    assert states(api, ada) == {PHONE: ("Active", "None"), DOMESTIC: ("Active", "None")}

    # The operator lowers the licenses purchased below those assigned: the newest assignment is over the count.
    Subscription.objects.filter(pk=phone.pk).update(enabled_units=1)
    assert states(api, bob) == {PHONE: ("Error", "CountViolation")}
    assert states(api, ada)[PHONE] == ("Active", "None")
    Subscription.objects.filter(pk=phone.pk).update(enabled_units=2)

    # Teams Phone switched off under the Calling Plan that requires it.
    AssignedPlan.objects.filter(user=ada, service_plan_id=PHONE_PLAN).update(enabled=False)
    assert states(api, ada) == {PHONE: ("Active", "None"), DOMESTIC: ("ActiveWithError", "DependencyViolation")}
    AssignedPlan.objects.filter(user=ada).update(enabled=True)

    # A licensed user without a usage location (an import or the Django admin cleared it).
    User.objects.filter(pk=ada.pk).update(usage_location="")
    assert set(states(api, ada).values()) == {("Error", "ProhibitedInUsageLocationViolation")}
    User.objects.filter(pk=ada.pk).update(usage_location="US")

    # A suspended subscription disables its licenses.
    Subscription.objects.filter(pk=phone.pk).update(status=Subscription.Status.DISABLED)
    assert states(api, ada)[PHONE] == ("Disabled", "None")


def test_license_states_for_a_page_of_users_cost_the_same_queries_at_any_size(api, tenant, subscribe,
                                                                              django_assert_num_queries):
    subscribe("SPE_E5", 200)
    users = User.objects.bulk_create([User(tenant=tenant, upn=f"u{i}@contoso.test", display_name=f"U{i}",
                                           usage_location="US") for i in range(40)])
    api.get("/v1.0/users")
    query = {"$select": "id,assignedLicenses,assignedPlans,licenseAssignmentStates", "$top": "999"}
    give_license(users[0], "SPE_E5")
    # token, page; assignedLicenses 2; assignedPlans 2; states: assignments, switched-off plans, catalogue 4,
    # subscriptions
    with django_assert_num_queries(13):
        api.get("/v1.0/users", query)
    for user in users[1:]:
        give_license(user, "SPE_E5")
    with django_assert_num_queries(13):
        body = api.get("/v1.0/users", query).json()
    assert all(len(row["assignedPlans"]) == 7 for row in body["value"])


def _sdk_user_body(**overrides):
    """A user as Microsoft's SDKs serialize it: the type annotation on the entity and on nested objects."""
    return {"@odata.type": "#microsoft.graph.user", "accountEnabled": True, "displayName": "Megan Bowen",
            "mailNickname": "megan", "userPrincipalName": "megan@contoso.test", "usageLocation": "US",
            "passwordProfile": {"@odata.type": "#microsoft.graph.passwordProfile",
                                "forceChangePasswordNextSignIn": True, "password": "xWwvJ]6NMw+bWH-d"},
            "businessPhones@odata.type": "#Collection(String)", **overrides}


def test_instance_annotations_are_ignored_when_creating_a_user(api, tenant):
    body = _sdk_user_body(**{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
                             "@odata.etag": 'W/"1"', "@microsoft.graph.conflictBehavior": "fail"})
    response = api.post("/v1.0/users", body, format="json")
    assert response.status_code == 201, response.content
    assert User.objects.get(upn="megan@contoso.test").check_password("xWwvJ]6NMw+bWH-d")


def test_instance_annotations_are_ignored_when_updating_a_user(api, tenant, license_admin, client_as):
    user = UserFactory(tenant=tenant, usage_location="")
    body = {"@odata.type": "#microsoft.graph.user", "@odata.etag": 'W/"2"', "usageLocation": "GB"}
    assert api.patch(f"/v1.0/users/{user.pk}", body, format="json").status_code == 204
    user.refresh_from_db()
    assert user.usage_location == "GB"
    # The annotation does not turn a usage-location change into a profile edit a License admin may not make.
    assert client_as(license_admin).patch(f"/v1.0/users/{user.pk}", {**body, "usageLocation": "FR"},
                                          content_type="application/json").status_code == 204


def test_instance_annotations_are_ignored_when_assigning_licenses(api, tenant, calling_subscriptions):
    user = UserFactory(tenant=tenant, usage_location="US")
    body = {"@odata.type": "#microsoft.graph.assignLicensePostRequestBody",
            "addLicenses": [{"@odata.type": "#microsoft.graph.assignedLicense", "skuId": E3, "disabledPlans": []}],
            "removeLicenses": []}
    response = api.post(f"/v1.0/users/{user.pk}/assignLicense", body, format="json")
    assert response.status_code == 200, response.content
    assert LicenseAssignment.objects.filter(user=user).count() == 1


def test_the_assign_license_answer_is_the_user_with_its_license_properties(api, tenant, calling_subscriptions):
    user = UserFactory(tenant=tenant, usage_location="US")
    body = api.post(f"/v1.0/users/{user.pk}/assignLicense",
                    {"addLicenses": [{"skuId": PHONE}], "removeLicenses": []}, format="json").json()
    assert body["assignedLicenses"] == [{"disabledPlans": [], "skuId": PHONE}]
    assert [plan["servicePlanId"] for plan in body["assignedPlans"]] == [PHONE_PLAN]
    assert [(s["skuId"], s["state"]) for s in body["licenseAssignmentStates"]] == [(PHONE, "Active")]
