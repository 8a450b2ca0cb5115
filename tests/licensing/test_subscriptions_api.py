"""GET/POST /api/v1/subscriptions: Your products over the API, buying licenses by SKU part number."""
import pytest

from licensing.models import Subscription, SubscriptionQuantityChange
from tests.factories import UserFactory
from tests.licensing.factories import give_license
from tests.licensing.test_graph_users import assert_graph_error


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


def test_list_subscriptions_with_assigned_and_available(api, tenant, subscribe):
    subscribe("MCOPSTN1", 5)
    give_license(UserFactory(tenant=tenant), "MCOPSTN1")
    (line,) = api.get("/api/v1/subscriptions").json()["value"]
    assert line["skuPartNumber"] == "MCOPSTN1"
    assert (line["totalLicenses"], line["assignedLicenses"], line["availableLicenses"]) == (5, 1, 4)
    assert line["status"] == "Active"
    assert line["pricePerLicensePerMonth"] == {"amount": "12.00", "currency": "USD"}


def test_buy_licenses_creates_then_adds(api, tenant):
    first = api.post("/api/v1/subscriptions", {"skuPartNumber": "MCOPSTN1", "quantity": 10}, format="json")
    assert first.status_code == 201, first.content
    second = api.post("/api/v1/subscriptions", {"skuPartNumber": "mcopstn1", "quantity": 5}, format="json")
    assert second.json()["totalLicenses"] == 15
    assert Subscription.objects.get(tenant=tenant).enabled_units == 15


def test_a_repeated_idempotency_key_buys_once(api, tenant):
    for _ in range(2):
        response = api.post("/api/v1/subscriptions", {"skuPartNumber": "MCOEV", "quantity": 3}, format="json",
                            HTTP_IDEMPOTENCY_KEY="order-42")
        assert response.status_code == 201
    assert Subscription.objects.get(tenant=tenant).enabled_units == 3
    assert SubscriptionQuantityChange.objects.count() == 1


@pytest.mark.parametrize("body, words", [
    ({"skuPartNumber": "NOPE", "quantity": 1}, "'NOPE' is not the SKU part number"),
    ({"quantity": 1}, "skuPartNumber"),
    ({"skuPartNumber": "MCOEV", "quantity": 0}, "from 1 to"),
    ({"skuPartNumber": "MCOEV", "quantity": "3"}, "whole number"),
    ({"skuPartNumber": "MCOEV", "quantity": 2.5}, "whole number"),
    ({"skuPartNumber": "MCOEV"}, "whole number"),
])
def test_bad_purchases_are_400s_and_buy_nothing(api, tenant, body, words):
    message = assert_graph_error(api.post("/api/v1/subscriptions", body, format="json"), 400)
    assert words in message
    assert not Subscription.objects.exists()


def test_license_admin_may_not_buy(client_as, license_admin):
    response = client_as(license_admin).post("/api/v1/subscriptions", {"skuPartNumber": "MCOEV", "quantity": 1},
                                             content_type="application/json")
    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_the_api_schema_documents_the_licensing_endpoints(client_as, global_admin):
    schema = client_as(global_admin).get("/api/schema/", {"format": "json"}).json()
    for path in ["/v1.0/users", "/v1.0/users/{key}/assignLicense", "/v1.0/users/{key}/licenseDetails",
                 "/v1.0/subscribedSkus", "/api/v1/subscriptions"]:
        assert path in schema["paths"], path
