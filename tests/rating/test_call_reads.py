"""The call endpoints read their first rows in the bearer token's statement (billing/rating/call_reads.py, issue 14:
cheaper per call). What they read there must equal what the services' own first reads return (first_look,
lock_objects.call_authorization), for the token's tenant only; requests the token's statement cannot read are
answered as before; a read made for another call is never used."""
import json
import re

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.api.authentication import BearerTokenAuthentication
from accounts.models import ApiToken
from accounts.scopes import ALL_SCOPES
from accounts.services import api_token_create
from billing.rating import lock_objects
from billing.rating.api_calls import CallAuthorizeView, CallCompleteView
from billing.rating.call_reads import authorize_look, complete_read
from billing.rating.models import CallAuthorization
from billing.rating.services import call_authorize, call_complete
from billing.rating.services.first_look import first_look
from core.sql import table
from tests.rating.factories import UK_MOBILE, US_FIXED, make_caller
from tests.rating.test_first_look import _policies

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(funded_caller):
    return funded_caller


def _token(tenant):
    return api_token_create(tenant=tenant, name="platform", actor=None, scopes=ALL_SCOPES)[1]


def _authenticated(view, raw, body, **kwargs):
    """A DRF request to `view` authenticated as the call views are (their path's kwargs given)."""
    django_request = APIRequestFactory().post("/api/v1/calls/x", body, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    request = Request(django_request, parsers=[JSONParser()], parser_context={"kwargs": kwargs, "view": view()})
    user, _ = BearerTokenAuthentication().authenticate(request)
    request.user = user
    return request


def _same_look(read, expected, upn):
    assert read is not None
    assert (read.call_id, read.caller_upn, read.seen, read.deck_generation, read.licenses_version) == (
        expected.call_id, expected.caller_upn, expected.seen, expected.deck_generation, expected.licenses_version)
    assert read.caller_policy == expected.caller_policy
    assert (read.directory is None) == (expected.directory is None)
    if expected.directory is not None and expected.caller_upn:
        person = expected.directory.person(expected.caller_upn)
        assert read.directory.person(expected.caller_upn) == person, upn
        if person is not None:
            assert read.directory.own_number(person) == expected.directory.own_number(person)


def test_the_look_read_with_the_token_is_the_first_look(tenant, other_tenant, ada, now):
    raw = _token(tenant)
    make_caller(other_tenant, "MCOEV", "MCOPSTN1", upn="ada@fabrikam.test")
    call_authorize(tenant=tenant, call_id="c-held", call_type="user_out", user_principal_name=ada.upn,
                   callee_number=US_FIXED, start_at=now)
    cases = [("c-new", "user_out", "ada@contoso.test"), ("c-new", "user_out", "ADA@Contoso.Test"),
             ("c-held", "user_out", "ada@contoso.test"), ("c-new", "user_out", "nobody@contoso.test"),
             ("c-new", "user_out", "ada@fabrikam.test"), ("c-new", "user_in", "ada@contoso.test"),
             ("c-new", "conf_out", "ada@contoso.test"), ("c-new", "user_out", "")]
    for policies in _policies(tenant, ada):
        for call_id, call_type, upn in cases:
            request = _authenticated(CallAuthorizeView, raw, {"callId": call_id, "callType": call_type,
                                                                    "userPrincipalName": upn})
            assert request.user.tenant == tenant
            expected = first_look(tenant, call_id, call_type=call_type, user_principal_name=upn)
            _same_look(authorize_look(request), expected, (policies, call_id, call_type, upn))


def test_the_authorization_read_with_the_token_is_the_tenants_own(tenant, other_tenant, ada, now):
    raw, other_raw = _token(tenant), _token(other_tenant)
    call_authorize(tenant=tenant, call_id="c-1", call_type="user_out", user_principal_name=ada.upn,
                   callee_number=UK_MOBILE, start_at=now)
    read = complete_read(_authenticated(CallCompleteView, raw, {"durationSeconds": 60}, call_id="c-1"))
    expected = lock_objects.call_authorization(tenant=tenant, call_id="c-1")
    assert read.call_id == "c-1" and model_to_dict(read.authorization) == model_to_dict(expected)
    assert read.authorization.details == expected.details and read.authorization.start_at == expected.start_at
    # an unknown call id, and the same call id asked by another tenant's token, find nothing
    assert complete_read(_authenticated(CallCompleteView, raw, {}, call_id="c-2")).authorization is None
    other = _authenticated(CallCompleteView, other_raw, {}, call_id="c-1")
    assert other.user.tenant == other_tenant and complete_read(other).authorization is None


def _statements(captured):
    return [q["sql"] for q in captured.captured_queries]


def test_authorize_and_complete_read_their_first_rows_in_the_token_statement(api_client_for, tenant, ada, now):
    api = api_client_for(tenant)

    def pair(call_id):
        answer = api.post("/api/v1/calls/authorize", {"callId": call_id, "callType": "user_out",
                          "userPrincipalName": ada.upn, "calleeNumber": US_FIXED,
                          "startDateTime": now.isoformat().replace("+00:00", "Z")}, format="json")
        assert answer.status_code == 200 and answer.json()["decision"] == "allowed"
        answer = api.post(f"/api/v1/calls/{call_id}/complete", {"durationSeconds": 90}, format="json")
        assert answer.status_code == 200 and answer.json()["poolMinutes"] == 2

    pair("c-0")  # the month's first call makes the pool
    token_table = re.escape(table(ApiToken))
    with CaptureQueriesContext(connection) as authorize_and_complete:
        pair("c-1")
    statements = _statements(authorize_and_complete)
    with_token = [sql for sql in statements if re.search(rf"FROM {token_table} api_token", sql)]
    assert len(with_token) == 2
    assert all(table(CallAuthorization) in sql for sql in with_token)
    if connection.vendor == "postgresql":  # authorize: token + look, hold; complete: token + authorization, settlement
        assert len(statements) == 4, [sql[:80] for sql in statements]


def test_requests_the_token_statement_cannot_read_are_answered_as_before(api_client_for, client, tenant, ada, now):
    api = api_client_for(tenant)
    bad_json = api.post("/api/v1/calls/authorize", data="{not json", content_type="application/json")
    assert bad_json.status_code == 400 and "JSON" in json.dumps(bad_json.json())
    not_an_object = api.post("/api/v1/calls/authorize", [1, 2], format="json")
    assert not_an_object.status_code == 400 and "JSON object" in json.dumps(not_an_object.json())
    bad_call_id = api.post("/api/v1/calls/authorize", {"callId": "with space", "callType": "user_out",
                           "userPrincipalName": ada.upn, "calleeNumber": US_FIXED}, format="json")
    assert bad_call_id.status_code == 400 and "callId" in json.dumps(bad_call_id.json())
    bad_type = api.post("/api/v1/calls/authorize", {"callId": "c-1", "callType": "sideways",
                        "userPrincipalName": ada.upn, "calleeNumber": US_FIXED}, format="json")
    assert bad_type.status_code == 400 and "callType" in json.dumps(bad_type.json())
    unknown = api.post("/api/v1/calls/c-unknown/complete", {"durationSeconds": 5}, format="json")
    assert unknown.status_code == 404
    # a bad token is refused first, whatever the body
    for path, body in (("/api/v1/calls/authorize", "{not json"), ("/api/v1/calls/c-1/complete", "{}")):
        refused = client.post(path, data=body, content_type="application/json", HTTP_AUTHORIZATION="Bearer cct_nope")
        assert refused.status_code == 401, path


def test_a_read_made_for_another_call_is_not_used(tenant, ada, now):
    first = call_authorize(tenant=tenant, call_id="c-1", call_type="user_out", user_principal_name=ada.upn,
                           callee_number=US_FIXED, start_at=now)
    # a look read for another call id (or another caller) would take c-1 for a new call: it is read again
    again = call_authorize(tenant=tenant, call_id="c-1", call_type="user_out", user_principal_name=ada.upn,
                           callee_number=US_FIXED, start_at=now, look=first_look(tenant, "c-2"))
    assert again == first and CallAuthorization.objects.filter(call_id="c-1").count() == 1
    nobody = first_look(tenant, "c-1", call_type="user_out", user_principal_name="nobody@contoso.test")
    assert not nobody.read_for("c-1", "user_out", ada.upn)
    assert call_authorize(tenant=tenant, call_id="c-1", call_type="user_out", user_principal_name=ada.upn,
                          callee_number=US_FIXED, start_at=now, look=nobody) == first
    # an authorization read for another call id (none found there) does not make c-1 unknown
    record = call_complete(tenant=tenant, call_id="c-1", duration_seconds=30,
                           read=lock_objects.AuthorizationRead("c-2", None))
    assert record.call_id == "c-1" and record.pool_minutes == 1
