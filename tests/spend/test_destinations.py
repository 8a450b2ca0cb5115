"""Destination policies (countries, number types, calls at once) and spend anomalies, with exact figures."""
import datetime
from decimal import Decimal

import pytest
from django.core import mail

from billing.rating.models import BlockedCall, CallRecord
from billing.rating.services import call_authorize, call_complete
from billing.spend.anomalies import is_anomalous, spend_anomalies_check, spend_anomalies_for
from billing.spend.services import (
    calling_policy_set_destination,
    destination_policy_save,
    user_destination_policy_set,
)
from billing.webhooks import transport
from billing.webhooks.models import WebhookEvent
from billing.webhooks.services import webhook_endpoint_create
from tests.rating.factories import DE_FIXED, UK_FIXED, UK_MOBILE, US_FIXED, US_PREMIUM, add_credits, make_caller

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calling_deck")]


@pytest.fixture
def caller(tenant):
    add_credits(tenant, "100.00")
    return make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test")


def call(tenant, user, now, call_id, number, call_type="user_out"):
    return call_authorize(tenant=tenant, call_id=call_id, call_type=call_type, callee_number=number, start_at=now,
                          user_principal_name=user.upn)


def test_the_tenants_default_policy_blocks_countries_and_number_types(tenant, caller, now, global_admin):
    policy = destination_policy_save(tenant=tenant, actor=global_admin, name="No Germany, no mobiles",
                                     blocked_countries=["de"], blocked_number_types=["mobile"])
    calling_policy_set_destination(tenant=tenant, actor=global_admin, destination_policy_id=policy.pk)
    assert call(tenant, caller, now, "de", DE_FIXED).reason == "destination_blocked"
    assert call(tenant, caller, now, "mob", UK_MOBILE).reason == "destination_blocked"
    assert call(tenant, caller, now, "prem", US_PREMIUM).reason == "premium_destination"  # the product's own rule
    assert call(tenant, caller, now, "uk", UK_FIXED).allowed
    assert call(tenant, caller, now, "us", US_FIXED).allowed
    assert call(tenant, caller, now, "911", "911", call_type="emergency_out").allowed  # never blocked
    blocked = BlockedCall.objects.get(call_id="de")
    assert (blocked.reason, blocked.get_reason_display()) == ("destination_blocked",
                                                              "Destination blocked by calling policy")


def test_a_users_own_policy_replaces_the_default(tenant, caller, now, global_admin):
    strict = destination_policy_save(tenant=tenant, actor=global_admin, name="Strict", blocked_countries="DE, GB")
    open_ = destination_policy_save(tenant=tenant, actor=global_admin, name="Open")
    calling_policy_set_destination(tenant=tenant, actor=global_admin, destination_policy_id=strict.pk)
    user_destination_policy_set(tenant=tenant, user=caller, actor=global_admin, destination_policy_id=open_.pk)
    assert call(tenant, caller, now, "uk", UK_MOBILE).allowed
    other = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    assert call(tenant, other, now, "uk2", UK_MOBILE).reason == "destination_blocked"


def test_a_user_may_have_at_most_n_calls_at_once(tenant, caller, now, global_admin):
    policy = destination_policy_save(tenant=tenant, actor=global_admin, name="Two at once", max_concurrent_calls=2)
    user_destination_policy_set(tenant=tenant, user=caller, actor=global_admin, destination_policy_id=policy.pk)
    assert [call(tenant, caller, now, f"c{i}", US_FIXED).allowed for i in range(3)] == [True, True, False]
    assert BlockedCall.objects.get(call_id="c2").reason == "concurrent_call_limit"
    call_complete(tenant=tenant, call_id="c0", duration_seconds=60)
    assert call(tenant, caller, now, "c3", UK_MOBILE).allowed  # one ended: room for one more


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Name the policy"),
    ({"name": "X", "blocked_countries": ["ZZ"]}, "'ZZ' is not an ISO 3166 two-letter country code"),
    ({"name": "X", "blocked_countries": ["Narnia"]}, "'Narnia' is not an ISO 3166"),
    ({"name": "X", "blocked_number_types": ["satellite"]}, "'satellite' isn't a number type"),
    ({"name": "X", "max_concurrent_calls": 0}, "isn't a whole number of calls from 1 to 100"),
    ({"name": "X", "max_concurrent_calls": "many"}, "isn't a whole number of calls from 1 to 100"),
])
def test_bad_policies_are_refused(tenant, global_admin, fields, message):
    with pytest.raises(Exception) as caught:
        destination_policy_save(tenant=tenant, actor=global_admin, **fields)
    assert message in str(caught.value)


def test_the_destination_policies_api(tenant, caller, api_client_for, other_tenant, other_tenant_admin):
    api = api_client_for(tenant)
    created = api.post("/api/v1/destination-policies", {"name": "No UK", "blockedCountries": ["GB"],
                                                        "maxConcurrentCalls": 3}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("name", "blockedCountries", "blockedNumberTypes", "maxConcurrentCalls")} == {
        "name": "No UK", "blockedCountries": ["GB"], "blockedNumberTypes": [], "maxConcurrentCalls": 3}
    bad = api.post("/api/v1/destination-policies", {"name": "Y", "blockedCountries": ["XX"]}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("blockedCountries: 'XX'")
    assert api.patch(f"/api/v1/users/{caller.pk}/calling-policy", {"destinationPolicyId": body["id"]},
                     format="json").json()["destinationPolicyId"] == body["id"]
    unknown = api.patch("/api/v1/calling-policy", {"destinationPolicyId": 999999}, format="json")
    assert unknown.status_code == 400 and "destinationPolicyId: No destination policy" in unknown.json()["error"]["message"]
    theirs = destination_policy_save(tenant=other_tenant, actor=other_tenant_admin, name="Theirs")
    assert api.get(f"/api/v1/destination-policies/{theirs.pk}").status_code == 404
    assert api.patch("/api/v1/calling-policy", {"destinationPolicyId": theirs.pk}, format="json").status_code == 400
    assert api.delete(f"/api/v1/destination-policies/{body['id']}").status_code == 204


def _record(tenant, caller, call_id, start, charge, country):
    from billing.rating.models import CallSource

    return CallRecord.objects.create(
        tenant=tenant, usage_id=__import__("uuid").uuid4(), call_id=call_id, user_id=caller.pk, call_type="user_out",
        callee_number="+4420", callee_country=country, destination_context="International", start_at=start,
        end_at=start + datetime.timedelta(minutes=1), duration_seconds=60, charge=Decimal(charge), capability="MCOPSTNPP",
        source=CallSource.IMPORT)


def test_a_day_above_five_times_the_28_day_average_raises_spend_anomaly_once(tenant, caller, global_admin, clock,
                                                                             monkeypatch, settings):
    assert is_anomalous(today=Decimal("5.01"), history_total=Decimal("28.00"), multiple=5)
    assert not is_anomalous(today=Decimal("5.00"), history_total=Decimal("28.00"), multiple=5)
    assert not is_anomalous(today=Decimal("9.00"), history_total=Decimal("0"), multiple=5)

    at = clock.at(2026, 6, 17, 15, 0)
    today = at.replace(hour=0)
    for day in range(1, 29):  # $28.00 to GB over the 28 days before: $1.00 a day
        _record(tenant, caller, f"h{day}", today - datetime.timedelta(days=day) + datetime.timedelta(hours=9), "1.00",
                "GB")
    _record(tenant, caller, "t1", today + datetime.timedelta(hours=9), "4.00", "GB")
    _record(tenant, caller, "d1", today + datetime.timedelta(hours=9), "3.00", "DE")  # no history: no average
    assert spend_anomalies_for(tenant=tenant, at=at) == []  # $4.00 is not above $5.00
    _record(tenant, caller, "t2", today + datetime.timedelta(hours=10), "1.50", "GB")
    assert spend_anomalies_for(tenant=tenant, at=at) == [("GB", Decimal("5.50"), Decimal("1.00"))]

    settings.WEBHOOK_ALLOW_LOCAL = False
    monkeypatch.setattr(transport, "_resolve", lambda host, port: ["93.184.216.34"])
    webhook_endpoint_create(tenant=tenant, url="https://hooks.contoso.com/", events=["spend.anomaly"],
                            actor=global_admin)
    assert spend_anomalies_check(at=at) == 1
    assert spend_anomalies_check(at=at) == 1  # found again, raised once
    event = WebhookEvent.objects.get(type="spend.anomaly")
    assert '"country":"GB"' in event.body and '"spentToday":"5.50"' in event.body and '"dailyAverage":"1.00"' in event.body
    calling_policy_set_destination(tenant=tenant, actor=global_admin, anomaly_multiple=6)
    assert spend_anomalies_check(at=at) == 0


def test_a_spend_anomaly_emails_the_admins_the_country_todays_spend_the_average_and_the_multiple_once_a_day(
        tenant, caller, global_admin, billing_admin, clock, django_capture_on_commit_callbacks):
    at = clock.at(2026, 6, 17, 15, 0)
    today = at.replace(hour=0)
    for day in range(1, 29):  # $56.00 to GB over the 28 days before: $2.00 a day
        _record(tenant, caller, f"h{day}", today - datetime.timedelta(days=day) + datetime.timedelta(hours=9), "2.00",
                "GB")
    _record(tenant, caller, "t1", today + datetime.timedelta(hours=9), "10.25", "GB")  # above 5 x $2.00
    with django_capture_on_commit_callbacks(execute=True):
        assert spend_anomalies_check(at=at) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([global_admin.email, billing_admin.email])
    email = mail.outbox[0]
    assert email.subject == "Contoso Test: unusual calling spend to United Kingdom on Jun 17, 2026"
    assert ("Calls to United Kingdom (GB) cost $10.25 on Jun 17, 2026 (UTC), more than 5× the daily average of $2.00 "
            "over the 28 days before.") in email.body
    for fact in ("Country: United Kingdom (GB)", "Spent today: $10.25", "28-day daily average: $2.00",
                 "Alert multiple: 5×"):
        assert fact in email.body
    html = email.alternatives[0][0]
    assert "$10.25" in html and "$2.00" in html and "United Kingdom (GB)" in html and "5×" in html

    _record(tenant, caller, "t2", today + datetime.timedelta(hours=11), "3.00", "GB")  # still above: no second email
    with django_capture_on_commit_callbacks(execute=True):
        assert spend_anomalies_check(at=at + datetime.timedelta(hours=2)) == 1
    assert len(mail.outbox) == 2

    tomorrow = at + datetime.timedelta(days=1)  # the next day is its own alert: $12.10 against ($54.00 + $13.25) / 28 = $2.40
    _record(tenant, caller, "n1", today + datetime.timedelta(days=1, hours=9), "12.10", "GB")
    with django_capture_on_commit_callbacks(execute=True):
        assert spend_anomalies_check(at=tomorrow) == 1
    assert [m.subject for m in mail.outbox][2:] == ["Contoso Test: unusual calling spend to United Kingdom on "
                                                    "Jun 18, 2026"] * 2
