"""The schema promises only what the API answers: for every operation of the OpenAPI schema and every status it
documents, a real request through the WSGI application gets that status, and the answer validates against the schema
(status, content type, body). Schemathesis fuzzing (test_schema_fuzz.py) mostly reaches the errors; this reaches each
success too, including the hot call endpoints whose answers are not written by their serializers."""
import datetime
import uuid

import pytest
import schemathesis
from schemathesis import checks

from accounts.scopes import ALL_SCOPES, Scope
from accounts.services import api_token_create
from billing.credits.services import payment_method_add_card
from billing.rating.optimizer.search import ADD_AUDIO_CONFERENCING
from billing.rating.services import call_authorizations_expire
from billing.spend.models import DestinationPolicy
from billing.webhooks import transport
from billing.webhooks.models import WebhookDelivery
from billing.webhooks.services import webhook_emit, webhook_endpoint_create
from config.wsgi import application
from tests.factories import UserFactory
from tests.invoices.factories import card_on_file, fund, purchase
from tests.licensing.factories import SubscriptionFactory, product
from tests.rating.factories import UK_MOBILE, add_credits, make_caller
from tests.reporting.factories import CallRecordFactory

from .test_schema_fuzz import calling_deck_for_fuzz, keep_test_connection  # noqa: F401

CHECKS = [checks.status_code_conformance, checks.content_type_conformance, checks.response_schema_conformance]
NUL = "\x00"
GONE = str(uuid.UUID(int=7))
START = "2026-06-17T09:00:00Z"
PSTN_CALL = "(fromDateTime=2026-06-01T00:00:00Z,toDateTime=2026-06-17T23:59:59Z)"

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("schema_fuzz")]
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


class World:
    """A tenant in use, with one of everything an operation can name."""


@pytest.fixture
def world(calling_deck_for_fuzz, monkeypatch):  # noqa: F811
    tenant = calling_deck_for_fuzz
    monkeypatch.setattr(transport, "_resolve", lambda host, port: ["93.184.216.34"])
    w = World()
    w.admin = UserFactory(tenant=tenant, upn="fuzz@fuzz.test", display_name="Fuzz Admin", roles=["global_admin"])
    w.caller = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@fuzz.test", number="+14255550111")
    add_credits(tenant, "50.00")
    w.card = card_on_file(tenant, w.admin)
    w.spare_card = payment_method_add_card(tenant=tenant, number="5555555555554444", exp_month=12, exp_year=2031,
                                           cvc="123", holder_name="Spare Card", actor=w.admin)
    fund(tenant, w.card, "100.00", key="conformance-1", actor=w.admin)
    w.invoice = purchase(tenant, "250.00", actor=w.admin)
    SubscriptionFactory(tenant=tenant, product=product("SPE_E5"), enabled_units=5)
    CallRecordFactory(tenant=tenant, user=w.caller, start_at=datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC))
    w.policy = DestinationPolicy.objects.create(tenant=tenant, name="No premium", blocked_number_types="premium")
    w.endpoint = webhook_endpoint_create(tenant=tenant, url="https://h.fuzz.test/", events=["invoice.issued"],
                                         actor=w.admin)
    webhook_emit(tenant=tenant, type="invoice.issued", data={"number": "C-1"}, source_key="invoice:c-1")
    w.delivery = WebhookDelivery.objects.get(endpoint=w.endpoint)
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    w.token = api_token_create(tenant=tenant, name="all", actor=w.admin, scopes=ALL_SCOPES, expires_at=expires)[1]
    w.calls_only = api_token_create(tenant=tenant, name="calls", actor=w.admin, scopes=[Scope.CALLS],
                                    expires_at=expires)[1]
    w.graph_read_only = api_token_create(tenant=tenant, name="graph", actor=w.admin, scopes=[Scope.GRAPH_READ],
                                         expires_at=expires)[1]
    return w


def _authorize(call_id="call-1", **extra):
    return {"body": {"callId": call_id, "callType": "user_out", "userPrincipalName": "ada@fuzz.test",
                     "calleeNumber": UK_MOBILE, "startDateTime": START, **extra}}


def _authorized(w, call_id="call-1"):
    """A call authorized first (through the API), for extend and complete."""
    _call(w, "POST", "/api/v1/calls/authorize", _authorize(call_id))
    return {"path_parameters": {"call_id": call_id}}


def _completed(w, call_id="call-1"):
    _authorized(w, call_id)
    _call(w, "POST", "/api/v1/calls/{call_id}/complete", {"path_parameters": {"call_id": call_id},
                                                          "body": {"durationSeconds": 61}})
    return {"path_parameters": {"call_id": call_id}}


def _imported(w, call_id="imported-1"):
    """A call imported as finished: authorizing it afterwards is a conflict."""
    _call(w, "POST", "/api/v1/calls/import", {"body": {"value": [{**_authorize(call_id)["body"],
                                                                   "durationSeconds": 61}]}})
    return _authorize(call_id)


def _expired(w, call_id="call-1"):
    """A call whose hold expired before it was completed."""
    _authorized(w, call_id)
    call_authorizations_expire(now=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
    return {"path_parameters": {"call_id": call_id}}


def _webhook(w, **extra):
    return {"path_parameters": {"endpoint_id": str(w.endpoint.pk), **extra}}


def _disabled_endpoint(w):
    w.endpoint.enabled = False
    w.endpoint.save(update_fields=["enabled"])
    return _webhook(w, delivery_id=w.delivery.pk)


def _in_use_card(w):
    _call(w, "PUT", "/api/v1/credits/auto-recharge", {"body": {
        "enabled": True, "triggerAmount": 200, "rechargeAmount": 500, "paymentMethodId": str(w.card.pk)}})
    return {"path_parameters": {"method_id": str(w.card.pk)}}


def _funds(w, amount=50, method=None, key="funds-1"):
    return {"body": {"amount": amount, "paymentMethodId": str(method or w.card.pk)}, "headers": {"Idempotency-Key": key}}


def _declined_card(w):
    card = payment_method_add_card(tenant=w.card.tenant, number="4000 0000 0000 0341", exp_month=12, exp_year=2031,
                                   cvc="123", holder_name="Dee Clined", actor=w.admin)
    return _funds(w, method=card.pk, key="declined-1")


def _replayed_key_other_body(w):
    _call(w, "POST", "/api/v1/credits/funds", _funds(w, key="funds-twice"))
    return _funds(w, amount=60, key="funds-twice")


def _pdf_unavailable(w, monkeypatch):
    from billing.invoices import api

    def broken(**kwargs):
        raise RuntimeError("the PDF renderer is down")

    monkeypatch.setattr(api, "invoice_render_pdf", broken)
    return {"path_parameters": {"invoice_id": str(w.invoice.pk)}}


def _throttled(monkeypatch):
    from core.throttling import TenantThrottle

    monkeypatch.setattr(TenantThrottle, "allow_request", lambda self, request, view: False)
    monkeypatch.setattr(TenantThrottle, "wait", lambda self: 1)


# (method, path, status) -> the request's parts, given the world (and monkeypatch when it needs one).
SUCCESS_AND_SPECIAL = {
    ("GET", "/api/v1/calling-policy", 200): lambda w: {},
    ("PATCH", "/api/v1/calling-policy", 200): lambda w: {"body": {"enableSpendLimits": True}},
    ("POST", "/api/v1/calls/authorize", 200): lambda w: _authorize(),
    ("POST", "/api/v1/calls/authorize", 409): lambda w: _imported(w),
    ("POST", "/api/v1/calls/authorize", 400): lambda w: _authorize(startDateTime="9999-12-31T23:59:59-14:00"),
    ("POST", "/api/v1/calls/{call_id}/extend", 200): lambda w: _authorized(w),
    ("POST", "/api/v1/calls/{call_id}/extend", 404): lambda w: {"path_parameters": {"call_id": "never-authorized"}},
    ("POST", "/api/v1/calls/{call_id}/extend", 409): lambda w: _completed(w),
    ("POST", "/api/v1/calls/{call_id}/extend", 400): lambda w: {"path_parameters": {"call_id": "c" * 300}},
    ("POST", "/api/v1/calls/{call_id}/complete", 200): lambda w: {**_authorized(w), "body": {"durationSeconds": 61}},
    ("POST", "/api/v1/calls/{call_id}/complete", 404): lambda w: {"path_parameters": {"call_id": "never-authorized"},
                                                                  "body": {"durationSeconds": 61}},
    ("POST", "/api/v1/calls/{call_id}/complete", 409): lambda w: {**_expired(w), "body": {"durationSeconds": 61}},
    ("POST", "/api/v1/calls/{call_id}/complete", 400): lambda w: {**_authorized(w), "body": {"durationSeconds": "long"}},
    ("POST", "/api/v1/calls/import", 200): lambda w: {"body": {"value": [
        {**_authorize("imported-1")["body"], "durationSeconds": 61},
        {**_authorize("imported-2")["body"], "startDateTime": "9999-12-31T23:59:59-14:00"}]}},
    ("POST", "/api/v1/calls/import", 400): lambda w: {"body": {"value": "not a list"}},
    ("GET", "/api/v1/credits", 200): lambda w: {},
    ("GET", "/api/v1/credits/auto-recharge", 200): lambda w: {},
    ("PUT", "/api/v1/credits/auto-recharge", 200): lambda w: {"body": {"enabled": False}},
    ("POST", "/api/v1/credits/funds", 201): lambda w: _funds(w),
    ("POST", "/api/v1/credits/funds", 402): _declined_card,
    ("POST", "/api/v1/credits/funds", 409): _replayed_key_other_body,
    ("GET", "/api/v1/credits/recharge-advice", 200): lambda w: {},
    ("GET", "/api/v1/credits/transactions", 200): lambda w: {"query": {"$top": "1"}},
    ("GET", "/api/v1/destination-policies", 200): lambda w: {},
    ("POST", "/api/v1/destination-policies", 201): lambda w: {"body": {"name": "No satellites",
                                                                       "blockedNumberTypes": ["premium"]}},
    ("GET", "/api/v1/destination-policies/{policy_id}", 200): lambda w: {"path_parameters": {"policy_id": w.policy.pk}},
    ("PATCH", "/api/v1/destination-policies/{policy_id}", 200): lambda w: {
        "path_parameters": {"policy_id": w.policy.pk}, "body": {"maxConcurrentCalls": 2}},
    ("DELETE", "/api/v1/destination-policies/{policy_id}", 204): lambda w: {
        "path_parameters": {"policy_id": w.policy.pk}},
    ("GET", "/api/v1/invoices", 200): lambda w: {"query": {"$top": "1"}},
    ("GET", "/api/v1/invoices/{invoice_id}", 200): lambda w: {"path_parameters": {"invoice_id": str(w.invoice.pk)}},
    ("GET", "/api/v1/invoices/{invoice_id}/pdf", 200): lambda w: {
        "path_parameters": {"invoice_id": str(w.invoice.pk)}},
    ("GET", "/api/v1/invoices/{invoice_id}/pdf", 503): _pdf_unavailable,
    ("GET", "/api/v1/license-optimizer", 200): lambda w: {},
    ("GET", "/api/v1/license-optimizer/what-if", 200): lambda w: {"query": {
        "userId": str(w.caller.pk), "option": ADD_AUDIO_CONFERENCING}},
    ("GET", "/api/v1/license-optimizer/what-if", 404): lambda w: {"query": {
        "userId": GONE, "option": ADD_AUDIO_CONFERENCING}},
    ("GET", "/api/v1/payment-methods", 200): lambda w: {},
    ("POST", "/api/v1/payment-methods", 201): lambda w: {"body": {
        "type": "card", "number": "378282246310005", "expMonth": 12, "expYear": 2030, "holderName": "Ada"}},
    ("GET", "/api/v1/payment-methods/{method_id}", 200): lambda w: {"path_parameters": {"method_id": str(w.card.pk)}},
    ("DELETE", "/api/v1/payment-methods/{method_id}", 204): lambda w: {
        "path_parameters": {"method_id": str(w.spare_card.pk)}},
    ("DELETE", "/api/v1/payment-methods/{method_id}", 409): _in_use_card,
    ("GET", "/api/v1/rates", 200): lambda w: {"query": {"number": UK_MOBILE}},
    ("GET", "/api/v1/rates", 404): lambda w: {"query": {"number": "+299321000", "at": "2024-05-01T09:30:00Z"}},
    ("GET", "/api/v1/reports/spend", 200): lambda w: {},
    ("GET", "/api/v1/subscriptions", 200): lambda w: {},
    ("POST", "/api/v1/subscriptions", 201): lambda w: {"body": {"skuPartNumber": "MCOPSTN1", "quantity": 1}},
    ("GET", "/api/v1/users/{user_id}/calling-policy", 200): lambda w: {"path_parameters": {"user_id": str(w.caller.pk)}},
    ("PATCH", "/api/v1/users/{user_id}/calling-policy", 200): lambda w: {
        "path_parameters": {"user_id": str(w.caller.pk)}, "body": {"callingSpendUserLimit": 25}},
    ("GET", "/api/v1/webhooks", 200): lambda w: {},
    ("POST", "/api/v1/webhooks", 201): lambda w: {"body": {"url": "https://h2.fuzz.test/",
                                                           "events": ["invoice.issued"]}},
    ("GET", "/api/v1/webhooks/{endpoint_id}", 200): _webhook,
    ("PATCH", "/api/v1/webhooks/{endpoint_id}", 200): lambda w: {**_webhook(w), "body": {"description": "Ledger"}},
    ("DELETE", "/api/v1/webhooks/{endpoint_id}", 204): _webhook,
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries", 200): _webhook,
    ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay", 200): lambda w: _webhook(
        w, delivery_id=w.delivery.pk),
    ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay", 409): _disabled_endpoint,
    ("POST", "/api/v1/webhooks/{endpoint_id}/rotate-secret", 200): _webhook,
    ("GET", "/v1.0/communications/callRecords/getPstnCalls{call}", 200): lambda w: {
        "path_parameters": {"call": PSTN_CALL}},
    ("GET", "/v1.0/subscribedSkus", 200): lambda w: {},
    ("GET", "/v1.0/subscribedSkus/{key}", 200): lambda w: {"path_parameters": {
        "key": f"{w.caller.tenant_id}_{product('SPE_E5').pk}"}},
    ("GET", "/v1.0/users", 200): lambda w: {"query": {"$top": "1", "$select": "id,displayName,assignedLicenses"}},
    ("POST", "/v1.0/users", 201): lambda w: {"body": {
        "accountEnabled": True, "displayName": "Adele Vance", "mailNickname": "adele",
        "userPrincipalName": "adele@fuzz.test", "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}}},
    ("GET", "/v1.0/users/{key}", 200): lambda w: {"path_parameters": {"key": str(w.caller.pk)}, "query": {
        "$select": "id,displayName,usageLocation,assignedPlans,licenseAssignmentStates,createdDateTime"}},
    ("PATCH", "/v1.0/users/{key}", 204): lambda w: {"path_parameters": {"key": str(w.caller.pk)},
                                                    "body": {"jobTitle": "Engineer"}},
    ("POST", "/v1.0/users/{key}/assignLicense", 200): lambda w: {"path_parameters": {"key": str(w.caller.pk)}, "body": {
        "addLicenses": [{"skuId": str(product("SPE_E5").pk), "disabledPlans": []}], "removeLicenses": []}},
    ("DELETE", "/v1.0/users/{key}", 204): lambda w: {"path_parameters": {
        "key": str(make_caller(w.caller.tenant, "SPE_E5", upn="leaving@fuzz.test").pk)}},
    ("GET", "/v1.0/users/{key}/licenseDetails", 200): lambda w: {"path_parameters": {"key": str(w.caller.pk)}},
    ("GET", "/v1.0/users/$count", 200): lambda w: {"headers": {"ConsistencyLevel": "eventual"}},
}
NEEDS_MONKEYPATCH = {_pdf_unavailable}


def _operations():
    found = []
    for path, methods in schema.raw_schema["paths"].items():
        for method, operation in methods.items():
            found.extend((method.upper(), path, int(status)) for status in operation["responses"])
    return found


OPERATIONS = _operations()


def _call(w, method, path, parts, *, token=None):
    operation = schema[path][method]
    given = {name: parts[name] for name in ("path_parameters", "query", "headers", "body") if name in parts}
    if "body" in given:
        given["media_type"] = "application/json"
    case = operation.Case(**given)
    headers = {} if token == "" else {"Authorization": f"Bearer {token or w.token}"}
    return case, case.call(headers=headers)


def _parts(method, path, status, w, monkeypatch):
    if (method, path, status) in SUCCESS_AND_SPECIAL:
        make = SUCCESS_AND_SPECIAL[(method, path, status)]
        return make(w, monkeypatch) if make in NEEDS_MONKEYPATCH else make(w), None
    success = next(key for key in SUCCESS_AND_SPECIAL if key[:2] == (method, path) and key[2] < 300)
    parts = SUCCESS_AND_SPECIAL[success](w) if success[2] < 300 else {}
    if status == 401:
        return parts, ""
    if status == 403:
        return parts, w.graph_read_only if path.startswith("/api/v1/calls") else w.calls_only
    if status == 400:
        return {**parts, "query": {**parts.get("query", {}), "filter": NUL}}, None
    if status == 404:
        names = dict(parts.get("path_parameters", {}))
        return {**parts, "path_parameters": {name: GONE if not str(value).isdigit() else 999999999
                                             for name, value in names.items()}}, None
    if status == 429:
        _throttled(monkeypatch)
        return parts, None
    raise AssertionError(f"No way to make {method} {path} answer {status}: add it to SUCCESS_AND_SPECIAL.")


def test_every_documented_status_has_a_case():
    documented = {(method, path) for method, path, _ in OPERATIONS}
    successes = {key[:2] for key in SUCCESS_AND_SPECIAL if key[2] < 300}
    assert documented == successes
    assert set(SUCCESS_AND_SPECIAL) <= set(OPERATIONS), "a case for a status the schema does not document"


@pytest.mark.parametrize(("method", "path", "status"), OPERATIONS, ids=[f"{m} {p} {s}" for m, p, s in OPERATIONS])
def test_a_real_answer_of_each_documented_status_matches_the_schema(world, keep_test_connection,  # noqa: F811
                                                                    monkeypatch, method, path, status):
    parts, token = _parts(method, path, status, world, monkeypatch)
    case, response = _call(world, method, path, parts, token=token)
    assert response.status_code == status, response.text[:500]
    case.validate_response(response, checks=CHECKS)
