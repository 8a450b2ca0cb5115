"""GET/POST /v1.0/users and GET/PATCH /v1.0/users/{id}: Graph shapes, OData options, errors, tenant isolation."""
import pytest

from accounts.models import AuditLog, User
from tests.factories import UserFactory
from tests.licensing.factories import give_license

ODATA_ERROR_KEYS = {"code", "message"}


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


def assert_graph_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert ODATA_ERROR_KEYS <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]["message"]


def test_list_users_returns_graph_default_properties(tenant, api):
    UserFactory(tenant=tenant, display_name="Adele Vance", upn="adele@contoso.test", first_name="Adele",
                last_name="Vance", phone_number="+14255550100", job_title="Retail Manager")
    body = api.get("/v1.0/users").json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#users")
    (adele,) = body["value"]
    assert list(adele) == ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                           "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"]
    assert adele["businessPhones"] == ["+14255550100"]
    assert adele["officeLocation"] is None
    assert adele["userPrincipalName"] == "adele@contoso.test"
    assert "@odata.nextLink" not in body


def test_select_returns_only_the_named_properties_with_assigned_licenses(tenant, api):
    user = UserFactory(tenant=tenant, usage_location="GB")
    give_license(user, "SPE_E5", disabled={"MCOMEETADV"})
    body = api.get("/v1.0/users", {"$select": "id,usageLocation,assignedLicenses,accountEnabled"}).json()
    (row,) = body["value"]
    assert row == {"id": str(user.pk), "usageLocation": "GB", "accountEnabled": True, "assignedLicenses": [
        {"disabledPlans": ["3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40"], "skuId": "06ebc4ee-1bb5-47dd-8120-11324bc54e06"}]}


def test_select_of_an_unknown_property_is_a_400_naming_it(api, tenant):
    message = assert_graph_error(api.get("/v1.0/users", {"$select": "id,shoeSize"}), 400, "Request_BadRequest")
    assert "shoeSize" in message


@pytest.mark.parametrize("top", ["0", "1000", "-1", "abc", "2.5"])
def test_top_out_of_range_is_a_400(api, tenant, top):
    message = assert_graph_error(api.get("/v1.0/users", {"$top": top}), 400, "Request_BadRequest")
    assert "Must be between 1 and 999 inclusive" in message


def test_paging_follows_next_links_until_every_user_is_seen_once(tenant, api):
    created = {str(UserFactory(tenant=tenant).pk) for _ in range(7)}
    seen, url, pages = [], "/v1.0/users?$top=3&$select=id", 0
    while url:
        body = api.get(url).json()
        seen.extend(row["id"] for row in body["value"])
        url = body.get("@odata.nextLink")
        pages += 1
        assert url is None or url.startswith("http://testserver/v1.0/users?")
    assert pages == 3
    assert sorted(seen) == sorted(created)


def test_next_link_keeps_the_filter_and_select(tenant, api):
    for i in range(3):
        UserFactory(tenant=tenant, display_name=f"Adele {i}", usage_location="GB")
    UserFactory(tenant=tenant, display_name="Adele US", usage_location="US")
    body = api.get("/v1.0/users", {"$top": "2", "$filter": "usageLocation eq 'GB'", "$select": "displayName"}).json()
    second = api.get(body["@odata.nextLink"]).json()
    names = [row["displayName"] for row in body["value"] + second["value"]]
    assert sorted(names) == ["Adele 0", "Adele 1", "Adele 2"]
    assert set(second["value"][0]) == {"displayName"}


def test_a_tampered_skiptoken_is_a_400(api, tenant):
    assert_graph_error(api.get("/v1.0/users", {"$skiptoken": "forged"}), 400)


def test_filters_by_upn_usage_location_and_display_name_prefix(tenant, other_tenant, api):
    UserFactory(tenant=tenant, upn="adele@contoso.test", display_name="Adele Vance", usage_location="US")
    UserFactory(tenant=tenant, upn="alex@contoso.test", display_name="Alex Wilber", usage_location="GB")
    UserFactory(tenant=tenant, upn="o.brien@contoso.test", display_name="Conor O'Brien", usage_location="IE")
    UserFactory(tenant=other_tenant, display_name="Adele Elsewhere", usage_location="US")

    def names(expression):
        response = api.get("/v1.0/users", {"$filter": expression, "$select": "displayName"})
        assert response.status_code == 200, response.content
        return sorted(row["displayName"] for row in response.json()["value"])

    assert names("userPrincipalName eq 'ADELE@contoso.test'") == ["Adele Vance"]
    assert names("usageLocation eq 'gb'") == ["Alex Wilber"]
    assert names("startswith(displayName,'A')") == ["Adele Vance", "Alex Wilber"]
    assert names("startswith(displayName,'Conor O''B')") == ["Conor O'Brien"]
    assert names("startswith(displayName,'A') and usageLocation eq 'US'") == ["Adele Vance"]


@pytest.mark.parametrize("expression", ["department eq 'Sales'", "endswith(displayName,'x')",
                                        "userPrincipalName ne 'a@b.c'", "startswith(displayName,'A') or 1 eq 1"])
def test_an_unsupported_filter_is_a_400(api, tenant, expression):
    message = assert_graph_error(api.get("/v1.0/users", {"$filter": expression}), 400, "Request_UnsupportedQuery")
    assert "Unsupported" in message


def test_unsupported_query_options_are_refused(api, tenant):
    assert_graph_error(api.get("/v1.0/users", {"$expand": "manager"}), 400, "Request_UnsupportedQuery")


@pytest.mark.parametrize("count", [10, 1000])
def test_list_users_query_count_does_not_grow_with_users(tenant, api, django_assert_num_queries, count):
    users = User.objects.bulk_create([User(tenant=tenant, upn=f"bulk{i}@contoso.test", display_name=f"Bulk {i}",
                                           usage_location="US") for i in range(count)])
    for user in users[:5]:
        give_license(user, "SPE_E5")
        give_license(user, "MCOPSTN1")
    api.get("/v1.0/users")  # the token's last-used time is written on first use
    with django_assert_num_queries(4):  # token, users, assignments, disabled plans
        response = api.get("/v1.0/users", {"$top": "999", "$select": "id,displayName,assignedLicenses"})
    assert len(response.json()["value"]) == min(count, 999)


def test_get_user_by_id_or_upn(tenant, api):
    user = UserFactory(tenant=tenant, upn="adele@contoso.test")
    by_id = api.get(f"/v1.0/users/{user.pk}").json()
    by_upn = api.get("/v1.0/users/Adele@contoso.test").json()
    assert by_id["id"] == by_upn["id"] == str(user.pk)
    assert by_id["@odata.context"].endswith("$metadata#users/$entity")


def test_another_tenants_user_is_a_404_on_every_user_endpoint(tenant, other_tenant_admin, api):
    key = str(other_tenant_admin.pk)
    assert_graph_error(api.get(f"/v1.0/users/{key}"), 404, "Request_ResourceNotFound")
    assert_graph_error(api.get(f"/v1.0/users/{other_tenant_admin.upn}"), 404, "Request_ResourceNotFound")
    assert_graph_error(api.patch(f"/v1.0/users/{key}", {"usageLocation": "DE"}, format="json"), 404)
    assert_graph_error(api.get(f"/v1.0/users/{key}/licenseDetails"), 404)
    assert_graph_error(api.post(f"/v1.0/users/{key}/assignLicense", {"addLicenses": [], "removeLicenses": []},
                                format="json"), 404)
    other_tenant_admin.refresh_from_db()
    assert other_tenant_admin.usage_location == "US"


def test_patch_updates_the_profile_and_answers_204(tenant, api):
    user = UserFactory(tenant=tenant, usage_location="")
    response = api.patch(f"/v1.0/users/{user.pk}", {"usageLocation": "GB", "jobTitle": "Buyer",
                                                   "accountEnabled": False}, format="json")
    assert response.status_code == 204
    user.refresh_from_db()
    assert (user.usage_location, user.job_title, user.sign_in_allowed) == ("GB", "Buyer", False)
    assert {"user.update", "user.block_sign_in"} <= set(AuditLog.objects.values_list("action", flat=True))


def test_patch_refuses_to_clear_the_usage_location_of_a_licensed_user(tenant, api):
    user = UserFactory(tenant=tenant, usage_location="US")
    give_license(user, "SPE_E3")
    message = assert_graph_error(api.patch(f"/v1.0/users/{user.pk}", {"usageLocation": None}, format="json"), 400)
    assert "licenses need a usage location" in message
    user.refresh_from_db()
    assert user.usage_location == "US"


@pytest.mark.parametrize("body, words", [
    ({"usageLocation": "XX"}, "ISO 3166"),
    ({"shoeSize": 42}, "The property 'shoeSize' does not exist on type 'microsoft.graph.user'"),
    ({"id": "7c3b0b1e-0000-4000-8000-000000000000"}, "Property 'id' is read-only and cannot be set."),
    ({"assignedLicenses": []}, "Property 'assignedLicenses' is read-only and cannot be set."),
    ({"accountEnabled": "no"}, "accountEnabled"),
])
def test_patch_with_bad_input_changes_nothing(tenant, api, body, words):
    user = UserFactory(tenant=tenant, usage_location="US")
    message = assert_graph_error(api.patch(f"/v1.0/users/{user.pk}", body, format="json"), 400)
    assert words in message
    user.refresh_from_db()
    assert user.usage_location == "US" and user.sign_in_allowed


def _new_user(**overrides):
    return {"accountEnabled": True, "displayName": "Megan Bowen", "mailNickname": "megan",
            "userPrincipalName": "megan@contoso.test", "usageLocation": "US",
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "xWwvJ]6NMw+bWH-d"}, **overrides}


def test_post_creates_a_user_and_answers_201(tenant, api):
    response = api.post("/v1.0/users", _new_user(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(upn="megan@contoso.test")
    assert body["id"] == str(user.pk)
    assert body["displayName"] == "Megan Bowen"
    assert user.tenant == tenant and user.usage_location == "US"
    assert user.check_password("xWwvJ]6NMw+bWH-d")


@pytest.mark.parametrize("overrides, words", [
    ({"userPrincipalName": "megan@fabrikam.test"}, "not a domain of"),
    ({"mailNickname": ""}, "mailNickname"),
    ({"passwordProfile": {"password": "123"}}, "passwordProfile.password: This password is too short"),
    ({"usageLocation": "Narnia"}, "usageLocation: 'Narnia' is not an ISO 3166"),
])
def test_post_with_bad_input_creates_nobody(tenant, api, overrides, words):
    message = assert_graph_error(api.post("/v1.0/users", _new_user(**overrides), format="json"), 400)
    assert words in message
    assert not User.objects.filter(display_name="Megan Bowen").exists()


def test_users_endpoint_needs_a_token(db, client):
    response = client.get("/v1.0/users")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_reports_reader_session_cannot_list_users(client_as, reports_reader):
    response = client_as(reports_reader).get("/v1.0/users")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"


def test_license_admin_may_patch_only_the_usage_location(client_as, license_admin, tenant):
    user = UserFactory(tenant=tenant, usage_location="")
    client = client_as(license_admin)
    ok = client.patch(f"/v1.0/users/{user.pk}", {"usageLocation": "CA"}, content_type="application/json")
    assert ok.status_code == 204
    refused = client.patch(f"/v1.0/users/{user.pk}", {"jobTitle": "Boss"}, content_type="application/json")
    assert refused.status_code == 403
