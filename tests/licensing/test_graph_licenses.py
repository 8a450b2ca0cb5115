"""POST /v1.0/users/{id}/assignLicense, GET licenseDetails and GET subscribedSkus: every rule through the API."""
import pytest

from accounts.models import AuditLog
from licensing.models import LicenseAssignment
from tests.factories import UserFactory
from tests.licensing.factories import give_license
from tests.licensing.test_graph_users import assert_graph_error

E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
PHONE = "e43b5b99-8dfb-405f-9987-dc307f34bcbd"
DOMESTIC = "0dab259f-bf13-4952-b7f8-7db8f131b28d"
CONFERENCING = "0c266dff-15dd-4b49-8397-2bb16070ed52"
CREDITS = "47794cd0-f0e5-45c5-9033-2eb6b5fc84e0"
CONFERENCING_PLAN = "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40"
PHONE_PLAN = "4828c8ec-dc2e-4779-b502-87ac9ce28ab7"
DOMESTIC_PLAN = "4ed3ff63-69d7-4fb7-b984-5aec7f605ca8"
CREDITS_PLAN = "505e180f-f7e0-4b65-91d4-00d670bbd18c"


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


@pytest.fixture
def adele(tenant):
    return UserFactory(tenant=tenant, display_name="Adele Vance", upn="adele@contoso.test", usage_location="US")


def assign(api, user, add=(), remove=()):
    body = {"addLicenses": [item if isinstance(item, dict) else {"skuId": item, "disabledPlans": []} for item in add],
            "removeLicenses": list(remove)}
    return api.post(f"/v1.0/users/{user.pk}/assignLicense", body, format="json")


def held(user):
    return sorted(str(pid) for pid in LicenseAssignment.objects.filter(user=user).values_list("product_id", flat=True))


def test_assign_license_answers_200_with_the_user(api, adele, calling_subscriptions):
    response = assign(api, adele, add=[PHONE, DOMESTIC])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(adele.pk)
    assert sorted(item["skuId"] for item in body["assignedLicenses"]) == sorted([PHONE, DOMESTIC])
    assert AuditLog.objects.filter(action="user.licenses", actor_label="API token 'test token'").count() == 1


def test_assign_license_by_user_principal_name(api, adele, calling_subscriptions):
    response = api.post("/v1.0/users/adele@contoso.test/assignLicense",
                        {"addLicenses": [{"skuId": E3}], "removeLicenses": []}, format="json")
    assert response.status_code == 200
    assert held(adele) == [E3]


def test_disabled_plans_switch_a_plan_off_and_license_details_show_it(api, adele, calling_subscriptions):
    assign(api, adele, add=[{"skuId": E5, "disabledPlans": [CONFERENCING_PLAN]}])
    body = api.get(f"/v1.0/users/{adele.pk}/licenseDetails").json()
    (detail,) = body["value"]
    assert detail["skuId"] == E5 and detail["skuPartNumber"] == "SPE_E5"
    status = {plan["servicePlanName"]: plan["provisioningStatus"] for plan in detail["servicePlans"]}
    assert status["MCOMEETADV"] == "Disabled"
    assert status["MCOEV"] == "Success"
    assert set(detail["servicePlans"][0]) == {"servicePlanId", "servicePlanName", "provisioningStatus", "appliesTo"}


def test_remove_licenses(api, adele, calling_subscriptions):
    assign(api, adele, add=[E3, CONFERENCING])
    response = assign(api, adele, remove=[E3])
    assert response.status_code == 200
    assert held(adele) == [CONFERENCING]


def test_no_usage_location_gives_graphs_message(api, tenant, calling_subscriptions):
    nomad = UserFactory(tenant=tenant, usage_location="")
    message = assert_graph_error(assign(api, nomad, add=[E3]), 400, "Request_BadRequest")
    assert message == "License assignment cannot be done for user with invalid usage location."
    assert held(nomad) == []


def test_over_assignment_is_a_400_and_assigns_nothing(api, tenant, adele, subscribe):
    subscribe("SPE_E3", 1)
    give_license(UserFactory(tenant=tenant), "SPE_E3")
    message = assert_graph_error(assign(api, adele, add=[E3]), 400, "Request_BadRequest")
    assert message == f"Subscription with SKU {E3} does not have any available licenses."
    assert held(adele) == []


def test_calling_plan_without_teams_phone_is_a_400(api, adele, calling_subscriptions):
    message = assert_graph_error(assign(api, adele, add=[DOMESTIC]), 400)
    assert message == (f"License assignment failed because service plan {DOMESTIC_PLAN} depends on the service "
                       f"plan(s) {PHONE_PLAN}.")
    assert held(adele) == []


def test_credits_without_calling_plan_or_conferencing_is_a_400(api, adele, calling_subscriptions):
    message = assert_graph_error(assign(api, adele, add=[E3, CREDITS]), 400)
    assert message.startswith(f"License assignment failed because service plan {CREDITS_PLAN} depends on the "
                              "service plan(s) ")
    assert CONFERENCING_PLAN in message
    assert held(adele) == []
    assert assign(api, adele, add=[E5, CREDITS]).status_code == 200


def test_removing_teams_phone_under_a_calling_plan_names_it_and_removes_nothing(api, adele, calling_subscriptions):
    assign(api, adele, add=[PHONE, DOMESTIC])
    message = assert_graph_error(assign(api, adele, remove=[PHONE]), 400)
    assert message == (f"License assignment failed because service plan {DOMESTIC_PLAN} depends on the service "
                       f"plan(s) {PHONE_PLAN}.")
    assert held(adele) == sorted([PHONE, DOMESTIC])


@pytest.mark.parametrize("body, words", [
    ({"addLicenses": [{"skuId": "not-a-guid"}], "removeLicenses": []}, "GUID"),
    ({"addLicenses": [{"skuId": "11111111-2222-3333-4444-555555555555"}], "removeLicenses": []},
     "does not correspond to a valid company License"),
    ({"addLicenses": [], "removeLicenses": ["zzz"]}, "GUID"),
    ({"addLicenses": [{"skuId": E3, "disabledPlans": ["3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40"]}],
      "removeLicenses": []}, "MCOMEETADV is not part of the license SPE_E3"),
    ({"addLicenses": [], "removeLicenses": [E5]}, "User does not have a corresponding license"),
    ({"addLicenses": [], "removeLicenses": []}, "nothing to change"),
    ({"addLicenses": "E3", "removeLicenses": []}, "must be arrays"),
    ({"addLicenses": [{"skuId": E3}], "removeLicenses": [E3]}, "appears twice"),
    ({"addLicense": []}, "The parameter 'addLicense' in the request payload is not a valid parameter for the operation "
                         "'assignLicense'."),
    ({"addLicenses": [{"skuId": E3, "shoeSize": 1}], "removeLicenses": []},
     "The property 'shoeSize' does not exist on type 'microsoft.graph.assignedLicense'."),
])
def test_malformed_assign_license_bodies_are_400s_and_change_nothing(api, adele, calling_subscriptions, body, words):
    give_license(adele, "SPE_E3")
    message = assert_graph_error(api.post(f"/v1.0/users/{adele.pk}/assignLicense", body, format="json"), 400)
    assert words in message
    assert held(adele) == [E3]


def test_a_sku_the_tenant_does_not_subscribe_to_is_refused(api, adele, subscribe):
    subscribe("SPE_E3")
    message = assert_graph_error(assign(api, adele, add=[E5]), 400)
    assert f"License {E5} does not correspond to a valid company License." == message


def test_malformed_json_is_a_graph_400(api, adele):
    response = api.post(f"/v1.0/users/{adele.pk}/assignLicense", "{not json", content_type="application/json")
    assert_graph_error(response, 400)


def test_user_admin_session_may_assign_but_reports_reader_may_not(client_as, user_admin, reports_reader, adele,
                                                                   calling_subscriptions):
    body = {"addLicenses": [{"skuId": E3}], "removeLicenses": []}
    refused = client_as(reports_reader).post(f"/v1.0/users/{adele.pk}/assignLicense", body,
                                             content_type="application/json")
    assert refused.status_code == 403
    ok = client_as(user_admin).post(f"/v1.0/users/{adele.pk}/assignLicense", body, content_type="application/json")
    assert ok.status_code == 200


def test_subscribed_skus_shape_and_consumed_units(api, tenant, other_tenant, subscribe):
    subscribe("SPE_E5", 10)
    subscribe("MCOPSTN1", 4)
    subscribe("SPE_E5", 99, for_tenant=other_tenant)
    for _ in range(3):
        give_license(UserFactory(tenant=tenant), "SPE_E5")
    body = api.get("/v1.0/subscribedSkus").json()
    by_part = {sku["skuPartNumber"]: sku for sku in body["value"]}
    assert set(by_part) == {"SPE_E5", "MCOPSTN1"}
    e5 = by_part["SPE_E5"]
    assert e5["skuId"] == E5
    assert e5["consumedUnits"] == 3
    assert e5["capabilityStatus"] == "Enabled"
    assert e5["prepaidUnits"] == {"enabled": 10, "suspended": 0, "warning": 0, "lockedOut": 0}
    assert e5["appliesTo"] == "User"
    assert {"MCOEV", "MCOMEETADV"} <= {plan["servicePlanName"] for plan in e5["servicePlans"]}
    assert by_part["MCOPSTN1"]["consumedUnits"] == 0


def test_subscribed_skus_query_count_is_constant(api, subscribe, django_assert_num_queries):
    for part in ["SPE_E5", "SPE_E3", "MCOEV", "MCOPSTN1", "MCOPSTN2"]:
        subscribe(part)
    api.get("/v1.0/subscribedSkus")
    with django_assert_num_queries(3):  # token, subscriptions with consumed units, service plans
        api.get("/v1.0/subscribedSkus")
