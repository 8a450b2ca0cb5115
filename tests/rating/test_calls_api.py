"""POST /api/v1/calls/authorize and /calls/{callId}/complete: camelCase JSON, idempotency, bad input, roles."""
import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from billing.credits.models import LedgerEntry, Reservation
from billing.credits.selectors import credits_balance
from billing.rating.api_calls import CallAuthorizeView
from billing.rating.models import BlockedCall, CallAuthorization, CallRecord
from billing.rating.services import call_authorizations_expire
from licensing.services import user_delete
from tests.rating.factories import UK_MOBILE, US_PREMIUM, add_credits, make_caller

pytestmark = pytest.mark.django_db
AUTHORIZE = "/api/v1/calls/authorize"


def complete_url(call_id):
    return f"/api/v1/calls/{call_id}/complete"


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def caller(tenant, calling_deck):
    add_credits(tenant, "10.00")
    return make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", display_name="Ada Lovelace",
                       number="+14255550111")


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


def authorize_body(now, **overrides):
    return {"callId": "call-1", "callType": "user_out", "userPrincipalName": "ada@contoso.test",
            "calleeNumber": UK_MOBILE, "startDateTime": iso(now), **overrides}


def test_authorize_then_complete_returns_the_rated_call_record(api, caller, now):
    decision = api.post(AUTHORIZE, authorize_body(now), format="json")

    assert decision.status_code == 200, decision.json()
    body = decision.json()
    assert {k: body[k] for k in ("callId", "decision", "reason", "maxDurationSeconds", "capability")} == {
        "callId": "call-1", "decision": "allowed", "reason": None, "maxDurationSeconds": 600, "capability": "MCOPSTNPP"}
    # one slice of 10 minutes (SPEND_SLICE_MINUTES), though the $10.00 balance covers 2,940 seconds

    end = now + datetime.timedelta(seconds=61)
    completed = api.post(complete_url("call-1"), {"endDateTime": iso(end)}, format="json")

    assert completed.status_code == 200, completed.json()
    record = completed.json()
    assert {k: record[k] for k in ("callId", "charge", "connectionCharge", "currency", "capability", "poolMinutes",
                                   "creditMinutes", "duration", "callType", "calleeNumber", "callerNumber",
                                   "userPrincipalName", "userDisplayName", "destinationContext", "destinationName",
                                   "inventoryType", "usageCountryCode")} == {
        "callId": "call-1", "charge": "0.45", "connectionCharge": "0.05", "currency": "USD", "capability": "MCOPSTNPP",
        "poolMinutes": 0, "creditMinutes": 2, "duration": 61, "callType": "user_out", "calleeNumber": UK_MOBILE,
        "callerNumber": "+14255550111", "userPrincipalName": "ada@contoso.test", "userDisplayName": "Ada Lovelace",
        "destinationContext": "International", "destinationName": "United Kingdom - Mobile", "inventoryType": "user",
        "usageCountryCode": "US"}
    assert record["userId"] == str(caller.pk)


def test_completing_again_returns_the_same_record_and_charges_once(api, caller, now, tenant):
    api.post(AUTHORIZE, authorize_body(now), format="json")
    first = api.post(complete_url("call-1"), {"durationSeconds": 61}, format="json").json()
    again = api.post(complete_url("call-1"), {"durationSeconds": 61}, format="json")

    assert again.status_code == 200
    assert again.json() == first
    assert CallRecord.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CALL_CHARGE).count() == 1
    assert credits_balance(tenant=tenant).balance == Decimal("9.55")


def test_authorizing_again_returns_the_first_answer_and_holds_once(api, caller, now):
    first = api.post(AUTHORIZE, authorize_body(now), format="json").json()
    again = api.post(AUTHORIZE, authorize_body(now), format="json")

    assert again.json() == first
    assert Reservation.objects.count() == CallAuthorization.objects.count() == 1


def test_a_blocked_call_says_why_and_is_recorded_for_the_blocked_users_report(api, caller, now):
    response = api.post(AUTHORIZE, authorize_body(now, calleeNumber=US_PREMIUM), format="json")

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("decision", "reason", "message", "maxDurationSeconds", "capability")} == {
        "decision": "blocked", "reason": "premium_destination", "message": "Premium-rate destination",
        "maxDurationSeconds": 0, "capability": None}
    blocked = BlockedCall.objects.get()
    assert (blocked.user_display_name, blocked.phone_number, blocked.get_action_display()) == (
        "Ada Lovelace", "+14255550111", "Outbound call blocked")


BAD_AUTHORIZATIONS = [
    ("malformed number", {"calleeNumber": "+44 20 79x6"}, "calleeNumber: '+44 20 79x6' is not a valid phone number"),
    ("impossible number", {"calleeNumber": "+1425555"}, "calleeNumber: '+1425555' is not a valid phone number: too short"),
    ("unknown country code", {"calleeNumber": "+999123456"}, "it does not start with a country calling code"),
    ("unknown user", {"userPrincipalName": "ghost@contoso.test"},
     "userPrincipalName: No user 'ghost@contoso.test' exists in this organization."),
    ("no user named", {"userPrincipalName": ""}, "userPrincipalName: The user principal name of the caller is required"),
    ("unknown service number", {"callType": "unassigned_in", "calleeNumber": "+18885550100"},
     "calleeNumber: +18885550100 is not a phone number of this organization."),
    ("unknown call type", {"callType": "user_sideways"}, "callType: 'user_sideways' is not a call type"),
    ("missing call id", {"callId": ""}, "callId: A call id is required."),
    ("start without a time zone", {"startDateTime": "2026-01-01T09:00:00"},
     "startDateTime: '2026-01-01T09:00:00' has no time zone"),
    ("start that is not a date", {"startDateTime": "yesterday"}, "startDateTime: 'yesterday' is not a date and time"),
]


@pytest.mark.parametrize(("change", "message"), [case[1:] for case in BAD_AUTHORIZATIONS],
                         ids=[case[0] for case in BAD_AUTHORIZATIONS])
def test_bad_authorization_is_refused_naming_the_field_and_nothing_is_held(api, caller, now, change, message):
    response = api.post(AUTHORIZE, authorize_body(now, **change), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_BadRequest"
    assert message in response.json()["error"]["message"]
    assert not CallAuthorization.objects.exists() and not BlockedCall.objects.exists()
    assert not Reservation.objects.exists()


def test_a_call_starting_in_the_future_is_refused(api, caller, now):
    response = api.post(AUTHORIZE, authorize_body(now, startDateTime=iso(now + datetime.timedelta(hours=2))), format="json")

    assert response.status_code == 400
    assert "startDateTime: The call starts at" in response.json()["error"]["message"]


BAD_COMPLETIONS = [
    ("negative duration", {"durationSeconds": -5}, "durationSeconds: A call cannot last -5 seconds"),
    ("absurd duration", {"durationSeconds": 10_000_000}, "durationSeconds: 10,000,000 seconds is longer than any call"),
    ("fractional duration", {"durationSeconds": 12.5}, "durationSeconds: '12.5' is not a whole number of seconds."),
    ("text duration", {"durationSeconds": "long"}, "durationSeconds: 'long' is not a whole number of seconds."),
    ("end before start", {"endDateTime": "2000-01-01T00:00:00Z"}, "endDateTime: The call ends (2000-01-01 00:00:00 UTC) before"),
    ("neither duration nor end", {}, "durationSeconds: Send either the duration in seconds or the end time"),
    ("both duration and end", {"durationSeconds": 5, "endDateTime": "2030-01-01T00:00:00Z"},
     "durationSeconds: Send either the duration in seconds or the end time"),
]


@pytest.mark.parametrize(("body", "message"), [case[1:] for case in BAD_COMPLETIONS],
                         ids=[case[0] for case in BAD_COMPLETIONS])
def test_bad_completion_is_refused_naming_the_field_and_nothing_is_charged(api, caller, now, tenant, body, message):
    api.post(AUTHORIZE, authorize_body(now), format="json")

    response = api.post(complete_url("call-1"), body, format="json")

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert not CallRecord.objects.exists()
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CALL_CHARGE).exists()
    assert CallAuthorization.objects.get().status == CallAuthorization.Status.HELD


def test_completing_an_unknown_call_is_a_404_and_charges_nothing(api, caller):
    response = api.post(complete_url("never-authorized"), {"durationSeconds": 60}, format="json")

    assert response.status_code == 404
    assert response.json()["error"] == {"code": "Request_ResourceNotFound",
                                         "message": "No call 'never-authorized' was authorized for this organization."}
    assert not CallRecord.objects.exists()


def test_another_tenants_call_cannot_be_completed(api, caller, now, other_tenant, api_client_for):
    api.post(AUTHORIZE, authorize_body(now), format="json")

    response = api_client_for(other_tenant).post(complete_url("call-1"), {"durationSeconds": 60}, format="json")

    assert response.status_code == 404
    assert not CallRecord.objects.exists()


def test_completing_after_the_hold_expired_is_a_conflict(api, caller, now):
    decision = api.post(AUTHORIZE, authorize_body(now), format="json").json()
    call_authorizations_expire(now=datetime.datetime.fromisoformat(decision["expiresDateTime"]))

    response = api.post(complete_url("call-1"), {"durationSeconds": 60}, format="json")

    assert response.status_code == 409
    assert "expired" in response.json()["error"]["message"]
    assert not CallRecord.objects.exists()


def test_the_calls_api_needs_billing_management(reports_reader, caller, now):
    request = APIRequestFactory().post(AUTHORIZE, authorize_body(now), format="json")
    force_authenticate(request, user=reports_reader)
    response = CallAuthorizeView.as_view()(request)

    assert response.status_code == 403
    assert not CallAuthorization.objects.exists()


def test_the_calls_api_takes_only_the_platforms_token_not_a_browser_session(client_as, global_admin, caller, now):
    response = client_as(global_admin).post(AUTHORIZE, authorize_body(now), content_type="application/json")

    assert response.status_code == 401
    assert not CallAuthorization.objects.exists()


def test_the_calls_api_needs_a_token(client, caller, now):
    response = client.post(AUTHORIZE, authorize_body(now), content_type="application/json")

    assert response.status_code == 401


def test_a_deleted_user_places_no_calls(api, caller, now):
    user_delete(user=caller, actor=None)
    response = api.post(AUTHORIZE, authorize_body(now), format="json")

    assert response.status_code == 400
    assert "No user 'ada@contoso.test' exists in this organization." in response.json()["error"]["message"]
    assert not CallAuthorization.objects.exists()
