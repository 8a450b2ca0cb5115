"""Scoped, expiring API tokens: every API endpoint declares the scope each method needs; a token without it gets a
Graph-style 403 naming the scope, on every endpoint; with it alone, the endpoint answers (issue 15)."""
import datetime
import json

import pytest

from accounts import scopes
from accounts.models import ApiToken
from accounts.scopes import ALL_SCOPES, Scope
from billing.credits.models import PaymentMethod
from tests.security.test_role_matrix import METHODS
from tests.security.urlconf import routes

pytestmark = pytest.mark.django_db
# What each endpoint needs: the telephony platform's credential (calls) cannot buy credits, change payment methods
# or block users.
EXPECTED = {
    "api-subscriptions": {"GET": Scope.BILLING_READ, "POST": Scope.BILLING_WRITE},
    "api-credits": {"GET": Scope.BILLING_READ},
    "api-credits-auto-recharge": {"GET": Scope.BILLING_READ, "PUT": Scope.BILLING_WRITE},
    "api-credits-funds": {"POST": Scope.BILLING_WRITE},
    "api-credits-recharge-advice": {"GET": Scope.BILLING_READ},
    "api-credits-transactions": {"GET": Scope.BILLING_READ},
    "api-payment-methods": {"GET": Scope.BILLING_READ, "POST": Scope.BILLING_WRITE},
    "api-payment-method": {"GET": Scope.BILLING_READ, "DELETE": Scope.BILLING_WRITE},
    "api-rates": {"GET": Scope.BILLING_READ},
    "api-license-optimizer": {"GET": Scope.BILLING_READ}, "api-license-what-if": {"GET": Scope.BILLING_READ},
    "api-invoices": {"GET": Scope.BILLING_READ}, "api-invoice": {"GET": Scope.BILLING_READ},
    "api-invoice-pdf": {"GET": Scope.BILLING_READ},
    "api-reports-spend": {"GET": Scope.BILLING_READ},
    "api-calls-authorize": {"POST": Scope.CALLS}, "api-calls-import": {"POST": Scope.CALLS},
    "api-calls-complete": {"POST": Scope.CALLS},
    "graph-subscribed-skus": {"GET": Scope.GRAPH_READ}, "graph-subscribed-sku": {"GET": Scope.GRAPH_READ},
    "graph-users": {"GET": Scope.GRAPH_READ, "POST": Scope.GRAPH_WRITE},
    "graph-users-count": {"GET": Scope.GRAPH_READ},
    "graph-user": {"GET": Scope.GRAPH_READ, "PATCH": Scope.GRAPH_WRITE, "DELETE": Scope.GRAPH_WRITE},
    "graph-assign-license": {"POST": Scope.GRAPH_WRITE}, "graph-license-details": {"GET": Scope.GRAPH_READ},
    "graph-get-pstn-calls": {"GET": Scope.GRAPH_READ},
    "api-calls-extend": {"POST": Scope.CALLS},
}
# Spend control and webhooks: reads need billing.read, changes billing.write.
for _name in ("api-webhooks", "api-webhook", "api-webhook-rotate-secret", "api-webhook-deliveries",
              "api-webhook-replay", "api-calling-policy", "api-destination-policies", "api-destination-policy",
              "api-user-calling-policy"):
    EXPECTED[_name] = {"GET": Scope.BILLING_READ, "POST": Scope.BILLING_WRITE, "PUT": Scope.BILLING_WRITE,
                       "PATCH": Scope.BILLING_WRITE, "DELETE": Scope.BILLING_WRITE}
UNSCOPED = {"api-schema", "api-docs"}  # public: the schema and its docs


def _operations():
    for route in routes():
        if not route.is_api or route.name in UNSCOPED:
            continue
        for method in METHODS:
            if hasattr(route.view, method.lower()):
                yield route, method


def test_every_api_endpoint_declares_the_scope_of_each_method():
    declared = {}
    for route, method in _operations():
        declared.setdefault(route.name, {})[method] = scopes.required_scope(route.view, method)
    assert set(declared) == set(EXPECTED)
    for name, methods in declared.items():
        assert methods == {m: str(EXPECTED[name][m]) for m in methods}, name


@pytest.mark.parametrize("route,method", list(_operations()), ids=lambda v: getattr(v, "name", v))
def test_a_token_without_the_scope_is_refused_and_one_with_it_alone_is_let_through(
        api_client_for, tenant, global_admin, route, method):
    needed = scopes.required_scope(route.view, method)
    others = [scope for scope in ALL_SCOPES if scope != needed]
    body = json.dumps({"value": []} if route.name == "api-calls-import" else {})

    refused = api_client_for(tenant, global_admin, scopes=others).generic(method, route.url(), body,
                                                                          content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "Authorization_RequestDenied",
        "message": f"The API token does not have the '{needed}' scope this operation needs."}

    allowed = api_client_for(tenant, global_admin, scopes=[needed]).generic(method, route.url(), body,
                                                                           content_type="application/json")
    assert allowed.status_code not in (401, 403) and allowed.status_code < 500


def test_the_telephony_platforms_token_cannot_buy_credits_change_payment_methods_or_block_users(
        api_client_for, tenant, global_admin, user_admin):
    platform = api_client_for(tenant, global_admin, scopes=[Scope.CALLS])
    assert platform.post("/api/v1/credits/funds", {"amount": "100.00"}, format="json").status_code == 403
    assert platform.post("/api/v1/payment-methods", {"type": "card", "number": "4242424242424242", "expMonth": 12,
                                                     "expYear": 2030, "holderName": "Eve"},
                         format="json").status_code == 403
    assert platform.patch(f"/v1.0/users/{user_admin.pk}", {"accountEnabled": False}, format="json").status_code == 403
    user_admin.refresh_from_db()
    assert user_admin.sign_in_allowed and not PaymentMethod.objects.filter(tenant=tenant).exists()


def test_an_expired_token_is_401_and_its_last_use_is_recorded(api_client_for, tenant, global_admin, clock):
    from rest_framework.test import APIClient

    from accounts.services import api_token_create

    token, raw = api_token_create(tenant=tenant, name="short", actor=global_admin, scopes=[Scope.GRAPH_READ],
                                  expires_at=clock.now() + datetime.timedelta(days=1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/v1.0/subscribedSkus").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    clock.advance(days=1, seconds=1)
    response = api.get("/v1.0/subscribedSkus")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The access token has expired."
    assert not ApiToken.objects.get(pk=token.pk).is_active


def test_a_token_needs_a_known_scope(tenant, global_admin):
    from django.core.exceptions import ValidationError

    from accounts.services import api_token_create

    with pytest.raises(ValidationError, match="Choose at least one scope"):
        api_token_create(tenant=tenant, name="none", actor=global_admin, scopes=[])
    with pytest.raises(ValidationError, match="'admin' is not a scope"):
        api_token_create(tenant=tenant, name="bad", actor=global_admin, scopes=["admin"])
    assert not ApiToken.objects.exists()


def test_org_settings_creates_a_scoped_expiring_token_and_shows_its_scopes(client_as, global_admin, tenant):
    client = client_as(global_admin)
    refused = client.post("/settings/", {"name": "No scope", "expires": "30"})
    assert "Choose at least one scope." in refused.content.decode()
    client.post("/settings/", {"name": "Reporting script", "scopes": ["graph.read", "billing.read"], "expires": "30"})
    token = ApiToken.objects.get(tenant=tenant)
    assert token.scopes == ["graph.read", "billing.read"]
    body = client.get("/settings/").content.decode()
    assert "graph.read, billing.read" in body
