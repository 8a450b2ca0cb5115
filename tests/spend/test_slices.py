"""Authorization in slices: a call holds one slice of credit (10 minutes of its rate by default), asks for the next
with extend, and completing reconciles. UK mobile in the test deck: $0.20 a minute + $0.05 a call, per minute."""
import datetime
from decimal import Decimal

import pytest

from billing.credits.models import LedgerEntry, Reservation
from billing.credits.selectors import credits_balance
from billing.rating.exceptions import CallConflict, UnknownCall
from billing.rating.models import CallAuthorization, TenantPhoneNumber
from billing.rating.services import call_authorize, call_complete, call_extend
from billing.spend.services import calling_policy_update
from tests.rating.factories import UK_MOBILE, add_credits, make_caller, service_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calling_deck")]


@pytest.fixture
def caller(tenant):
    return make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test")


def authorize(tenant, caller, now, call_id="c1"):
    return call_authorize(tenant=tenant, call_id=call_id, call_type="user_out", callee_number=UK_MOBILE, start_at=now,
                          user_principal_name=caller.upn)


def reserved(tenant, call_id="c1"):
    return Reservation.objects.get(account__tenant=tenant, call_id=call_id).amount


def test_a_call_holds_one_slice_extends_and_completing_charges_what_it_used(tenant, caller, now):
    add_credits(tenant, "20.00")
    decision = authorize(tenant, caller, now)
    assert (decision.allowed, decision.max_duration_seconds) == (True, 600)  # 10 minutes, not the 97 $20 covers
    assert reserved(tenant) == Decimal("2.05")
    assert credits_balance(tenant=tenant).available == Decimal("17.95")

    extension = call_extend(tenant=tenant, call_id="c1")
    assert (extension.allowed, extension.max_duration_seconds) == (True, 1200)
    assert extension.ends_at == now + datetime.timedelta(seconds=1200)
    assert reserved(tenant) == Decimal("4.05")  # 20 minutes + the connection fee, one reservation

    record = call_complete(tenant=tenant, call_id="c1", duration_seconds=1100)  # 19 minutes billed
    assert record.charge == Decimal("3.85")
    balance = credits_balance(tenant=tenant)
    assert (balance.balance, balance.reserved) == (Decimal("16.15"), Decimal("0.00"))
    assert Reservation.objects.get(call_id="c1").status == Reservation.Status.CONVERTED


def test_the_tenants_slice_setting_decides_the_slice(tenant, caller, now, global_admin):
    add_credits(tenant, "20.00")
    calling_policy_update(tenant=tenant, actor=global_admin, slice_minutes=3)
    assert authorize(tenant, caller, now).max_duration_seconds == 180
    assert call_extend(tenant=tenant, call_id="c1").max_duration_seconds == 360
    assert reserved(tenant) == Decimal("1.25")


def test_an_extension_grants_what_the_balance_covers_then_says_when_the_call_must_end(tenant, caller, now):
    add_credits(tenant, "3.00")
    assert authorize(tenant, caller, now).max_duration_seconds == 600  # $2.05 held
    partial = call_extend(tenant=tenant, call_id="c1")
    assert (partial.allowed, partial.max_duration_seconds) == (True, 840)  # $3.00 covers 14 minutes: $2.85
    assert reserved(tenant) == Decimal("2.85")

    refused = call_extend(tenant=tenant, call_id="c1")
    assert (refused.allowed, refused.reason, refused.max_duration_seconds) == (False, "insufficient_credits", 840)
    assert refused.ends_at == now + datetime.timedelta(seconds=840)
    assert refused.reason_message == "Communications Credits balance too low"
    assert reserved(tenant) == Decimal("2.85")


def test_a_call_that_runs_past_its_grant_is_charged_for_the_grant_and_keeps_both_durations(tenant, caller, now):
    add_credits(tenant, "20.00")
    authorize(tenant, caller, now)
    record = call_complete(tenant=tenant, call_id="c1", duration_seconds=700)
    assert (record.duration_seconds, record.charge) == (700, Decimal("2.05"))  # reported 700 s, granted 600 s
    authorization = CallAuthorization.objects.get(call_id="c1")
    assert authorization.max_duration_seconds == 600 and authorization.call_record_id == record.pk
    assert credits_balance(tenant=tenant).balance == Decimal("17.95")


def test_concurrent_calls_share_the_balance_one_slice_each_while_it_covers_one(tenant, now):
    add_credits(tenant, "20.00")
    callers = [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC") for _ in range(12)]
    decisions = [authorize(tenant, c, now, call_id=f"c{i}") for i, c in enumerate(callers)]
    # $2.05 a slice: nine full slices ($18.45), then 7 minutes from the $1.55 left ($1.45), then nothing.
    assert [d.max_duration_seconds for d in decisions] == [600] * 9 + [420, 0, 0]
    assert [d.reason for d in decisions[10:]] == ["insufficient_credits"] * 2
    assert credits_balance(tenant=tenant).reserved == Decimal("19.90")


def test_toll_free_inbound_is_sliced_the_same_way(tenant, now):
    add_credits(tenant, "5.00")
    service_number(tenant, "+18885550100", TenantPhoneNumber.Kind.TOLL_FREE)
    decision = call_authorize(tenant=tenant, call_id="tf1", call_type="unassigned_in", callee_number="+18885550100",
                              caller_number="+14255550111", start_at=now)
    assert (decision.allowed, decision.max_duration_seconds) == (True, 600)  # $0.03 a minute: $0.30 held
    assert reserved(tenant, "tf1") == Decimal("0.30")
    assert call_extend(tenant=tenant, call_id="tf1").max_duration_seconds == 1200
    record = call_complete(tenant=tenant, call_id="tf1", duration_seconds=901)
    assert record.charge == Decimal("0.48")  # 16 minutes
    assert LedgerEntry.objects.get(call_id="tf1").kind == LedgerEntry.Kind.TOLL_FREE_CHARGE


def test_extend_refuses_unknown_completed_and_expired_calls(tenant, other_tenant, caller, now, clock):
    add_credits(tenant, "20.00")
    with pytest.raises(UnknownCall):
        call_extend(tenant=tenant, call_id="never")
    authorize(tenant, caller, now)
    with pytest.raises(UnknownCall):
        call_extend(tenant=other_tenant, call_id="c1")
    authorize(tenant, caller, now, call_id="c2")
    call_complete(tenant=tenant, call_id="c2", duration_seconds=60)
    with pytest.raises(CallConflict, match="has been completed"):
        call_extend(tenant=tenant, call_id="c2")
    clock.move_to(CallAuthorization.objects.get(call_id="c1").expires_at + datetime.timedelta(seconds=1))
    with pytest.raises(CallConflict, match="expired"):
        call_extend(tenant=tenant, call_id="c1")


def test_a_call_at_the_longest_call_allowed_is_not_extended(tenant, caller, now, settings):
    settings.RATING_MAX_CALL_MINUTES = 15
    add_credits(tenant, "20.00")
    authorize(tenant, caller, now)
    assert call_extend(tenant=tenant, call_id="c1").max_duration_seconds == 900  # 5 more minutes, not 10
    refused = call_extend(tenant=tenant, call_id="c1")
    assert (refused.allowed, refused.reason, refused.max_duration_seconds) == (False, "max_call_length", 900)


def test_the_extend_endpoint_answers_like_authorize(tenant, caller, now, api_client_for):
    add_credits(tenant, "3.00")
    api = api_client_for(tenant)
    authorize(tenant, caller, now)
    body = api.post("/api/v1/calls/c1/extend").json()
    assert {k: body[k] for k in ("callId", "decision", "reason", "maxDurationSeconds")} == {
        "callId": "c1", "decision": "allowed", "reason": None, "maxDurationSeconds": 840}
    body = api.post("/api/v1/calls/c1/extend").json()
    assert {k: body[k] for k in ("decision", "reason", "message", "maxDurationSeconds")} == {
        "decision": "blocked", "reason": "insufficient_credits", "message": "Communications Credits balance too low",
        "maxDurationSeconds": 840}
    assert body["endDateTime"] == (now + datetime.timedelta(seconds=840)).isoformat().replace("+00:00", "Z")
    missing = api.post("/api/v1/calls/nope/extend")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "Request_ResourceNotFound"
