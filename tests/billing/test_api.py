"""The /api/v1/ credits endpoints: shapes, idempotent funding, Graph-style errors naming camelCase fields."""
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing.credits.models import GatewayCharge, LedgerEntry, Purchase
from billing.credits.services import credits_debit, credits_reserve

from .conftest import DECLINED, VISA, future_year


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


def post_json(api, url, body, **headers):
    return api.post(url, data=json.dumps(body), content_type="application/json", **headers)


def put_json(api, url, body):
    return api.put(url, data=json.dumps(body), content_type="application/json")


def test_get_credits_gives_balance_available_balance_auto_recharge_and_lots(api, tenant, fund):
    purchase = fund(100)
    credits_reserve(tenant=tenant, amount=Decimal("20.00"), call_id="live-call")
    body = api.get("/api/v1/credits").json()
    assert body["balance"] == "100.00" and body["availableBalance"] == "80.00" and body["reservedAmount"] == "20.00"
    assert body["currency"] == "USD" and body["status"] == "Active"
    assert body["autoRecharge"] == {"enabled": False, "mode": "fixedAmount", "triggerAmount": None, "rechargeAmount": None,
                                    "targetBalance": None, "monthlyCap": None, "paymentMethodId": None, "paused": False,
                                    "consecutiveFailures": 0, "capPausedUntil": None}
    assert body["lots"] == [{"id": purchase.lot.pk, "amount": "100.00", "remaining": "100.00", "status": "available",
                             "purchasedDateTime": purchase.lot.purchased_at.isoformat().replace("+00:00", "Z"),
                             "expiresDateTime": purchase.lot.expires_at.isoformat().replace("+00:00", "Z")}]


def test_add_a_card_then_fund_with_an_idempotency_key(api, tenant):
    response = post_json(api, "/api/v1/payment-methods", {"type": "card", "number": VISA, "expMonth": 12,
                                                          "expYear": future_year(), "holderName": "Ada Ops"})
    assert response.status_code == 201
    method = response.json()
    assert {k: method[k] for k in ("type", "brand", "last4", "expMonth", "holderName", "status", "displayName")} == {
        "type": "card", "brand": "Visa", "last4": "4242", "expMonth": 12, "holderName": "Ada Ops", "status": "active",
        "displayName": "Visa •••• 4242"}
    assert "number" not in method
    first = post_json(api, "/api/v1/credits/funds", {"amount": 100, "paymentMethodId": method["id"]},
                      HTTP_IDEMPOTENCY_KEY="fund-1")
    assert first.status_code == 201
    assert first.json()["amount"] == "100.00" and first.json()["balanceAfter"] == "100.00"
    again = post_json(api, "/api/v1/credits/funds", {"amount": "100", "paymentMethodId": method["id"]},
                      HTTP_IDEMPOTENCY_KEY="fund-1")
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    conflict = post_json(api, "/api/v1/credits/funds", {"amount": 200, "paymentMethodId": method["id"]},
                         HTTP_IDEMPOTENCY_KEY="fund-1")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "Request_Conflict"
    assert Purchase.objects.count() == 1 and GatewayCharge.objects.count() == 1
    assert api.get("/api/v1/credits").json()["balance"] == "100.00"


def test_funding_without_an_idempotency_key_is_refused(api, card):
    response = post_json(api, "/api/v1/credits/funds", {"amount": 100, "paymentMethodId": str(card.pk)})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Idempotency-Key: An idempotency key is required")
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("amount", [-5, 0, 10.5, "ten", 10**12, None, "1e400"])
def test_bad_amounts_are_a_400_naming_amount(api, card, amount):
    response = post_json(api, "/api/v1/credits/funds", {"amount": amount, "paymentMethodId": str(card.pk)},
                         HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("amount: Please enter a whole number")
    assert not GatewayCharge.objects.exists()


def test_nan_in_the_body_is_not_json(api, card):
    response = api.post("/api/v1/credits/funds", data='{"amount": NaN}', content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]


def test_a_declined_card_is_a_402_naming_the_payment_method(api, add_card):
    declined = add_card(DECLINED)
    response = post_json(api, "/api/v1/credits/funds", {"amount": 100, "paymentMethodId": str(declined.pk)},
                         HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 402
    assert response.json()["error"] == {"code": "PaymentDeclined", "message": "paymentMethodId: Your card was declined. "
                                        "Use another payment method or contact your card issuer."}
    assert not LedgerEntry.objects.exists()


def test_an_expired_card_cannot_be_added(api):
    response = post_json(api, "/api/v1/payment-methods", {"type": "card", "number": VISA, "expMonth": 1,
                                                          "expYear": 2020, "holderName": "Ada"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "expYear: This card expired in 01/2020. Use a card that hasn't expired."


def test_another_tenants_payment_method_is_refused_and_a_404_by_id(api, other_tenant, other_tenant_admin, add_card):
    theirs = add_card(for_tenant=other_tenant, actor=other_tenant_admin)
    response = post_json(api, "/api/v1/credits/funds", {"amount": 100, "paymentMethodId": str(theirs.pk)},
                         HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and response.json()["error"]["message"].startswith("paymentMethodId:")
    assert api.get(f"/api/v1/payment-methods/{theirs.pk}").status_code == 404
    assert api.delete(f"/api/v1/payment-methods/{theirs.pk}").status_code == 404
    assert api.get("/api/v1/payment-methods/not-a-uuid").status_code == 404
    assert not GatewayCharge.objects.exists()


def test_put_auto_recharge_validates_and_saves(api, card):
    bad = put_json(api, "/api/v1/credits/auto-recharge", {"enabled": True, "triggerAmount": 49, "rechargeAmount": 500,
                                                          "paymentMethodId": str(card.pk)})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "triggerAmount: Please enter a whole number greater than or equal to 50"
    ok = put_json(api, "/api/v1/credits/auto-recharge", {"enabled": True, "triggerAmount": 200, "rechargeAmount": 500,
                                                         "paymentMethodId": str(card.pk)})
    assert ok.status_code == 200
    assert ok.json() == {"enabled": True, "mode": "fixedAmount", "triggerAmount": "200.00", "rechargeAmount": "500.00",
                         "targetBalance": None, "monthlyCap": None, "paymentMethodId": str(card.pk), "paused": False,
                         "consecutiveFailures": 0, "capPausedUntil": None}
    assert api.get("/api/v1/credits").json()["autoRecharge"]["enabled"] is True
    assert put_json(api, "/api/v1/credits/auto-recharge", {"enabled": "yes"}).status_code == 400
    deleting = api.delete(f"/api/v1/payment-methods/{card.pk}")
    assert deleting.status_code == 409 and "pays for auto-recharge" in deleting.json()["error"]["message"]


def test_transactions_are_paged_with_a_next_link(api, tenant, fund):
    fund(100)
    for index in range(5):
        credits_debit(tenant=tenant, amount=Decimal("1.00"), call_id=f"c{index}")
    page1 = api.get("/api/v1/credits/transactions", {"$top": 4}).json()
    assert [row["callId"] for row in page1["value"]] == ["c4", "c3", "c2", "c1"]
    assert page1["value"][0]["amount"] == "-1.00" and page1["value"][0]["balanceAfter"] == "95.00"
    page2 = api.get(page1["@odata.nextLink"]).json()
    assert [row["type"] for row in page2["value"]] == ["call_charge", "purchase"] and "@odata.nextLink" not in page2
    only = api.get("/api/v1/credits/transactions", {"type": "purchase"}).json()["value"]
    assert len(only) == 1
    for params, name in (({"$top": 0}, "$top"), ({"type": "bogus"}, "type"), ({"fromDateTime": "soon"}, "fromDateTime")):
        response = api.get("/api/v1/credits/transactions", params)
        assert response.status_code == 400 and response.json()["error"]["message"].startswith(f"{name}:")


def test_transactions_endpoint_queries_do_not_grow_with_rows(api, tenant, fund, django_assert_num_queries):
    fund(100)
    api.get("/api/v1/credits/transactions")
    with django_assert_num_queries(2):
        api.get("/api/v1/credits/transactions")
    for index in range(40):
        credits_debit(tenant=tenant, amount=Decimal("1.00"), call_id=f"c{index}")
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/credits/transactions").json()["value"]) == 41


def test_readers_without_billing_roles_get_403_and_anonymous_401(client_as, reports_reader, db):
    anonymous = APIClient()
    assert anonymous.get("/api/v1/credits").status_code == 401
    session = APIClient()
    session.force_login(reports_reader)
    assert session.get("/api/v1/credits").status_code == 403
    assert session.get("/api/v1/payment-methods").status_code == 403
