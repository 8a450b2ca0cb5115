"""The first statement of an authorize (issue 14, cheaper per call): an outbound call reads where its call id was
seen, the caller with their number and plans, and the caller's calling policy in one round trip
(billing/rating/services/first_look.py). What it reads along must equal what the caller's and the policy's own
reads (parties.LiveDirectory.person, spend.calls.policy_of) return, in every case they distinguish."""
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from billing.rating.models import BlockReason, CallAuthorization
from billing.rating.parties import LiveDirectory
from billing.rating.services import call_authorize
from billing.rating.services.first_look import first_look
from billing.spend.calls import policy_of
from billing.spend.models import CallingPolicy, DestinationPolicy, UserCallingPolicy
from core.sql import table
from tests.rating.factories import UK_MOBILE, US_FIXED, make_caller

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(funded_caller):
    return funded_caller


def _statements_reading(queries, model):
    name = re.escape(table(model))
    return [q["sql"] for q in queries if re.search(rf"\b(FROM|JOIN) {name}(\s|$)", q["sql"])]


def test_an_outbound_authorize_reads_call_id_caller_and_policy_in_one_statement(api_client_for, tenant, ada, now):
    api = api_client_for(tenant)

    def authorize(call_id):
        answer = api.post("/api/v1/calls/authorize", {"callId": call_id, "callType": "user_out",
                          "userPrincipalName": "ada@contoso.test", "calleeNumber": US_FIXED,
                          "startDateTime": now.isoformat().replace("+00:00", "Z")}, format="json")
        assert answer.status_code == 200 and answer.json()["decision"] == "allowed"

    authorize("c-0")  # the month's first call makes the pool (under the account lock) and counts its licenses
    with CaptureQueriesContext(connection) as authorize_again:
        authorize("c-1")
    caller_reads = [sql for sql in _statements_reading(authorize_again.captured_queries, User) if '"upn" =' in sql]
    policy_reads = _statements_reading(authorize_again.captured_queries, CallingPolicy)
    seen_reads = [sql for sql in _statements_reading(authorize_again.captured_queries, CallAuthorization)
                  if not sql.lstrip().upper().startswith(("INSERT", "WITH"))]
    assert len(caller_reads) == 1, caller_reads
    assert policy_reads == caller_reads == seen_reads
    assert table(UserCallingPolicy) in caller_reads[0] and table(DestinationPolicy) in caller_reads[0]
    if connection.vendor == "postgresql":  # the token with this read (call_reads.py), and the pool's hold
        assert len(authorize_again.captured_queries) == 2, [q["sql"][:80] for q in authorize_again.captured_queries]


def _policies(tenant, ada):
    """Yields after each change of the policies that changes what ada's calls are allowed."""
    yield "no policy at all"
    strict = DestinationPolicy.objects.create(tenant=tenant, name="No UK mobiles", blocked_countries="EG,GB",
                                              blocked_number_types="premium", max_concurrent_calls=2)
    CallingPolicy.objects.create(tenant=tenant, enable_spend_limits=True, user_spend_limit=Decimal("25.00"),
                                 slice_minutes=7, destination_policy=strict)
    yield "the tenant's policy and default destination policy"
    own = DestinationPolicy.objects.create(tenant=tenant, name="Japan only", blocked_countries="JP")
    UserCallingPolicy.objects.create(tenant=tenant, user=ada, spend_limit=Decimal("4.50"), destination_policy=own)
    yield "ada's own limit and destination policy"
    CallingPolicy.objects.filter(tenant=tenant).update(enable_spend_limits=False)
    yield "spend limits switched off"
    UserCallingPolicy.objects.filter(user=ada).update(spend_limit=None, destination_policy=None)
    yield "ada's policy without a limit or destination policy of its own"


def test_the_policy_read_along_is_the_policy_of_the_caller(tenant, other_tenant, ada):
    other = make_caller(other_tenant, "MCOEV", "MCOPSTN1", upn="ada@fabrikam.test")
    UserCallingPolicy.objects.create(tenant=other_tenant, user=other, spend_limit=Decimal("1.00"))
    assert first_look(tenant, "c-policy", call_type="user_out", user_principal_name=other.upn).policy is None
    for case in _policies(tenant, ada):
        look = first_look(tenant, "c-policy", call_type="user_out", user_principal_name="ada@contoso.test")
        assert look.policy == policy_of(tenant=tenant, user_id=ada.pk), case
        assert look.policy_for(tenant, ada.pk) is look.policy, case
        # another user's call (an inbound call's callee) reads its own
        assert look.policy_for(tenant, other.pk) == policy_of(tenant=tenant, user_id=other.pk), case


@pytest.mark.parametrize("call_type", ["user_out", "conf_out", "emergency_out"])
def test_the_caller_read_along_is_the_caller_the_directory_reads(tenant, ada, call_type):
    quiet = make_caller(tenant, upn="quiet@contoso.test")  # no licenses, no number
    gone = make_caller(tenant, "MCOEV", "MCOPSTN1", upn="gone@contoso.test", number="+14255550122")
    User.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    for upn in ("ada@contoso.test", "ADA@Contoso.Test", quiet.upn, gone.upn, "nobody@contoso.test"):
        look = first_look(tenant, "c-caller", call_type=call_type, user_principal_name=upn)
        assert look.directory is not None
        directory = LiveDirectory(tenant)
        expected = directory.person(upn.lower())
        with CaptureQueriesContext(connection) as asked:
            assert look.directory.person(upn.lower()) == expected, upn
        assert asked.captured_queries == []  # known already
        if expected is not None:
            assert look.directory.own_number(expected) == directory.own_number(expected), upn
            assert look.policy == policy_of(tenant=tenant, user_id=expected.pk)
        else:
            assert look.policy is None


@pytest.mark.parametrize("call_type, upn", [("user_in", "ada@contoso.test"), ("user_out", ""),
                                            ("user_out", "x" * 400), ("user_out", "nul\x00@contoso.test")])
def test_calls_without_a_readable_caller_look_at_the_call_id_alone(tenant, ada, call_type, upn):
    look = first_look(tenant, "c-none", call_type=call_type, user_principal_name=upn)
    assert look.directory is None and look.policy is None
    assert look.seen == {} and look.licenses_version is not None


def test_a_retry_with_a_bad_upn_gets_the_first_answer(tenant, ada, now):
    first = call_authorize(tenant=tenant, call_id="c-retry", call_type="user_out", user_principal_name=ada.upn,
                           callee_number=UK_MOBILE, start_at=now)
    assert first.allowed
    again = call_authorize(tenant=tenant, call_id="c-retry", call_type="user_out", user_principal_name="x" * 400,
                           callee_number=UK_MOBILE, start_at=now)
    assert again == first
    assert first_look(tenant, "c-retry", call_type="user_out", user_principal_name=ada.upn).seen == {
        "held": CallAuthorization.objects.get(call_id="c-retry").pk}


def test_a_destination_policy_read_along_blocks_as_before(tenant, ada, now):
    for case in _policies(tenant, ada):
        if case == "the tenant's policy and default destination policy":
            break
    decision = call_authorize(tenant=tenant, call_id="c-blocked", call_type="user_out", user_principal_name=ada.upn,
                              callee_number=UK_MOBILE, start_at=now)
    assert not decision.allowed and decision.reason == BlockReason.DESTINATION_BLOCKED
