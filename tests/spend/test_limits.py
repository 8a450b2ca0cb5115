"""Per-user spend limits with exact figures. UK mobile in the test deck: $0.20 a minute + $0.05 a call."""
import datetime
from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import AuditLog
from billing.rating.models import BlockedCall
from billing.rating.services import call_authorize, call_complete, call_extend, call_records_import
from billing.spend.limits import effective_limit, spend_room
from billing.spend.notices import spend_thresholds_crossed
from billing.spend.services import calling_policy_update, user_calling_policy_update, user_spend_summary
from billing.webhooks import transport
from billing.webhooks.models import WebhookEvent
from billing.webhooks.services import webhook_endpoint_create
from tests.rating.factories import UK_MOBILE, US_FIXED, add_credits, make_caller

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calling_deck")]


@pytest.fixture
def caller(tenant):
    return make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", display_name="Ada Lovelace")


@pytest.fixture
def funded(tenant):
    add_credits(tenant, "100.00")


def call(tenant, user, now, call_id, number=UK_MOBILE):
    return call_authorize(tenant=tenant, call_id=call_id, call_type="user_out", callee_number=number, start_at=now,
                          user_principal_name=user.upn)


def test_the_rule_in_one_place():
    assert effective_limit(enabled=False, tenant_limit=Decimal("5"), user_limit=Decimal("1")) is None
    assert effective_limit(enabled=True, tenant_limit=Decimal("5"), user_limit=None) == Decimal("5")
    assert effective_limit(enabled=True, tenant_limit=Decimal("5"), user_limit=Decimal("1")) == Decimal("1")
    assert effective_limit(enabled=True, tenant_limit=None, user_limit=None) is None
    assert spend_room(limit=Decimal("5.00"), spent=Decimal("3.85"), held=Decimal("0.50")) == Decimal("0.65")
    assert spend_room(limit=Decimal("5.00"), spent=Decimal("6.00"), held=Decimal("0")) == Decimal("0.00")
    assert spend_thresholds_crossed(limit=Decimal("5.00"), before=Decimal("3.85"), after=Decimal("4.90")) == [80]
    assert spend_thresholds_crossed(limit=Decimal("5.00"), before=Decimal("3.00"), after=Decimal("5.00")) == [80, 100]
    assert spend_thresholds_crossed(limit=Decimal("5.00"), before=Decimal("4.00"), after=Decimal("4.50")) == []


def test_authorize_grants_no_more_than_the_room_left_then_blocks_at_the_limit(tenant, caller, funded, now,
                                                                              global_admin):
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="5.00")
    assert call(tenant, caller, now, "a").max_duration_seconds == 600  # $2.05 held of the $5.00
    assert call_extend(tenant=tenant, call_id="a").max_duration_seconds == 1200  # $4.05
    assert call_complete(tenant=tenant, call_id="a", duration_seconds=1140).charge == Decimal("3.85")  # 19 minutes

    # $1.15 of room: 5 minutes ($1.05), though the balance would give a whole slice
    second = call(tenant, caller, now, "b")
    assert second.max_duration_seconds == 300
    refused = call_extend(tenant=tenant, call_id="b")
    assert (refused.allowed, refused.reason, refused.max_duration_seconds) == (False, "spend_limit_reached", 300)
    assert call_complete(tenant=tenant, call_id="b", duration_seconds=300).charge == Decimal("1.05")

    blocked = call(tenant, caller, now, "c")  # $0.10 left: less than a first minute
    assert (blocked.allowed, blocked.reason, blocked.reason_message) == (False, "spend_limit_reached",
                                                                         "Spend limit reached")
    assert BlockedCall.objects.get(call_id="c").reason == "spend_limit_reached"
    summary = user_spend_summary(tenant=tenant, user=caller)
    assert (summary["limit"], summary["spent"], summary["held"]) == (Decimal("5.00"), Decimal("4.90"), Decimal("0.00"))

    other = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC")  # each user has a limit of their own
    assert call(tenant, other, now, "d").max_duration_seconds == 600


def test_a_users_own_limit_overrides_the_policy_and_is_off_with_the_policy(tenant, caller, funded, now, global_admin):
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="50.00")
    user_calling_policy_update(tenant=tenant, user=caller, actor=global_admin, spend_limit="1.00")
    assert call(tenant, caller, now, "a").max_duration_seconds == 240  # $0.85 of $1.00
    call_complete(tenant=tenant, call_id="a", duration_seconds=1)  # $0.25

    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=False)
    assert call(tenant, caller, now, "b").max_duration_seconds == 600  # no limit while spend limits are off

    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True)
    user_calling_policy_update(tenant=tenant, user=caller, actor=global_admin, spend_limit="0")
    assert call(tenant, caller, now, "c").reason == "spend_limit_reached"
    user_calling_policy_update(tenant=tenant, user=caller, actor=global_admin, spend_limit=None)  # the policy's $50
    assert call(tenant, caller, now, "d").max_duration_seconds == 600
    assert AuditLog.objects.filter(action="spend.user_limit").count() == 3


def test_concurrent_calls_of_one_user_share_the_room(tenant, caller, funded, now, global_admin):
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="3.00")
    assert call(tenant, caller, now, "a").max_duration_seconds == 600  # $2.05 held
    assert call(tenant, caller, now, "b").max_duration_seconds == 240  # $0.95 of room: $0.85
    assert call(tenant, caller, now, "c").reason == "spend_limit_reached"


def test_calls_a_pool_pays_do_not_count(tenant, caller, funded, now, global_admin):
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="0.00")
    domestic = call(tenant, caller, now, "us", number=US_FIXED)  # Calling Plan minutes: no credit spent
    assert domestic.allowed and domestic.capability == "MCOPSTN1"
    assert call(tenant, caller, now, "uk").reason == "spend_limit_reached"


def test_admins_are_emailed_at_80_and_100_percent_once_a_month_each(tenant, caller, funded, now, global_admin,
                                                                    django_capture_on_commit_callbacks, settings,
                                                                    monkeypatch):
    settings.WEBHOOK_ALLOW_LOCAL = False
    monkeypatch.setattr(transport, "_resolve", lambda host, port: ["93.184.216.34"])
    monkeypatch.setattr(transport, "post", lambda **kw: transport.Answer(200, "", 1))
    webhook_endpoint_create(tenant=tenant, url="https://hooks.contoso.com/", events=["spend_limit.reached"],
                            actor=global_admin)
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="5.00")

    def complete(call_id, seconds):
        with django_capture_on_commit_callbacks(execute=True):
            call(tenant, caller, now, call_id)
            call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds)

    complete("a", 540)  # $1.85: below 80%
    assert mail.outbox == []
    complete("b", 540)  # $3.70
    complete("c", 60)  # $3.95
    assert mail.outbox == []
    complete("d", 60)  # $4.20: past $4.00
    assert [m.subject for m in mail.outbox] == ["Contoso Test: Ada Lovelace has used 80% of their calling spend limit"]
    assert "$4.20" in mail.outbox[0].body and "$5.00" in mail.outbox[0].body
    complete("e", 60)  # $4.45: nothing new
    assert len(mail.outbox) == 1
    complete("f", 120)  # $4.90: room was $0.55, so 2 minutes granted ($0.45)
    with django_capture_on_commit_callbacks(execute=True):
        assert call(tenant, caller, now, "g").reason == "spend_limit_reached"
        assert call(tenant, caller, now, "h").reason == "spend_limit_reached"
    assert [m.subject for m in mail.outbox][1:] == ["Contoso Test: Ada Lovelace reached their calling spend limit"]
    event = WebhookEvent.objects.get(type="spend_limit.reached")
    assert '"limit":"5.00"' in event.body and '"userPrincipalName":"ada@contoso.test"' in event.body


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "can't be below $0.00"),
    ("100000.01", "at most $100,000 a month"),
    ("1e9", "at most $100,000 a month"),
    ("ten", "isn't an amount in US dollars"),
    ("NaN", "isn't an amount in US dollars"),
    ("1.001", "more than two decimals"),
    ("", "Enter the monthly limit"),
    (True, "Enter the monthly limit"),
])
def test_bad_limits_are_refused_and_nothing_changes(tenant, caller, global_admin, value, message):
    with pytest.raises(Exception, match="spend_limit") as caught:
        user_calling_policy_update(tenant=tenant, user=caller, actor=global_admin, spend_limit=value)
    assert message in str(caught.value)
    with pytest.raises(Exception) as caught:
        calling_policy_update(tenant=tenant, actor=global_admin, user_spend_limit=value)
    assert message in str(caught.value)
    assert not AuditLog.objects.filter(action__startswith="spend.").exists()


def test_the_calling_policy_api(tenant, caller, funded, now, api_client_for):
    api = api_client_for(tenant)
    assert api.get("/api/v1/calling-policy").json() == {
        "enableSpendLimits": False, "callingSpendUserLimit": None, "sliceMinutes": 10, "currency": "USD",
        "destinationPolicyId": None, "spendAnomalyMultiple": 5}
    changed = api.patch("/api/v1/calling-policy", {"enableSpendLimits": True, "callingSpendUserLimit": "5.00",
                                                   "sliceMinutes": 5}, format="json")
    assert changed.json() == {"enableSpendLimits": True, "callingSpendUserLimit": "5.00", "sliceMinutes": 5,
                              "currency": "USD", "destinationPolicyId": None, "spendAnomalyMultiple": 5}
    bad = api.patch("/api/v1/calling-policy", {"callingSpendUserLimit": -3}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("callingSpendUserLimit: ")
    bad = api.patch("/api/v1/calling-policy", {"sliceMinutes": 0}, format="json")
    assert bad.status_code == 400 and "sliceMinutes: A slice is 1 to 240 minutes" in bad.json()["error"]["message"]
    bad = api.patch("/api/v1/calling-policy", {"limit": 3}, format="json")
    assert bad.status_code == 400 and "limit: not a field you can change" in bad.json()["error"]["message"]

    call(tenant, caller, now, "a")
    call_complete(tenant=tenant, call_id="a", duration_seconds=60)  # $0.25
    call(tenant, caller, now, "b")  # 5-minute slice held: $1.05
    url = f"/api/v1/users/{caller.pk}/calling-policy"
    assert api.get(url).json() == {
        "userId": str(caller.pk), "userPrincipalName": "ada@contoso.test", "enableSpendLimits": True,
        "callingSpendUserLimit": None, "effectiveLimit": "5.00", "limitSource": "policy", "month": now.strftime("%Y-%m"),
        "spentThisMonth": "0.25", "heldNow": "1.05", "remaining": "3.70", "destinationPolicyId": None}
    changed = api.patch(url, {"callingSpendUserLimit": "2.50"}, format="json").json()
    assert (changed["effectiveLimit"], changed["limitSource"], changed["remaining"]) == ("2.50", "user", "1.20")
    assert api.patch(url, {"callingSpendUserLimit": "abc"}, format="json").status_code == 400


def test_another_tenants_user_is_not_found(tenant, other_tenant_admin, api_client_for):
    api = api_client_for(tenant)
    assert api.get(f"/api/v1/users/{other_tenant_admin.pk}/calling-policy").status_code == 404
    assert api.patch(f"/api/v1/users/{other_tenant_admin.pk}/calling-policy", {"callingSpendUserLimit": "1"},
                     format="json").status_code == 404
    assert api.get("/api/v1/users/not-a-user/calling-policy").status_code == 404


def test_the_pstn_usage_report_filters_users_at_or_near_their_limit(tenant, caller, funded, now, global_admin,
                                                                    client_as, django_assert_max_num_queries):
    from django.urls import reverse

    from billing.spend.selectors import users_at_or_over

    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="5.00")
    near = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="near@contoso.test")
    far = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="far@contoso.test")
    for user, call_id, seconds in ((caller, "a", 600), (caller, "b", 300), (near, "c", 600), (near, "d", 120),
                                   (far, "e", 60)):
        call(tenant, user, now, call_id)
        call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds)
    # This month: Ada $2.05 + $1.05 = $3.10 (limit $3.00: 103%), near $2.05 + $0.45 = $2.50 (limit $3.10: 81%),
    # far $0.25 (the policy's $5.00: 5%).
    user_calling_policy_update(tenant=tenant, user=caller, actor=global_admin, spend_limit="3.00")
    user_calling_policy_update(tenant=tenant, user=near, actor=global_admin, spend_limit="3.10")
    assert users_at_or_over(tenant=tenant, percent=100) == [caller.pk]
    assert sorted(users_at_or_over(tenant=tenant, percent=80), key=str) == sorted([caller.pk, near.pk], key=str)

    client = client_as(global_admin)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("reporting:pstn_usage"), {"report": "usage", "spend_limit": "near"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "ada@contoso.test" in body and "near@contoso.test" in body and "far@contoso.test" not in body
    reached = client.get(reverse("reporting:pstn_usage"), {"report": "usage", "spend_limit": "reached"}).content.decode()
    assert "ada@contoso.test" in reached and "near@contoso.test" not in reached
    bad = client.get(reverse("reporting:pstn_usage"), {"report": "usage", "spend_limit": "over"})
    assert bad.status_code == 400 and "is not a spend limit filter (near, reached)" in bad.content.decode()


def test_imported_calls_send_the_same_spend_limit_emails_as_live_calls(tenant, funded, now, global_admin,
                                                                       django_capture_on_commit_callbacks):
    """Ada's calls go through authorize + complete, Bea's (same name, same limit) through the batch import, one
    record a request: the same five calls ($1.85, $1.85, $0.25, $0.25, $0.25 against $4.45) give the same emails."""
    ada = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", display_name="Ada Lovelace")
    bea = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="bea@contoso.test", display_name="Ada Lovelace")
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="4.45")
    minutes = [9, 9, 1, 1, 1]  # $3.70 crosses 80% ($3.56); $4.45 reaches 100%

    def emails_of(upn):  # one recipient (the global admin), so one email a notice
        return [(m.subject, m.to, m.body.replace(upn, "USER")) for m in mail.outbox if upn in m.body]

    for number, length in enumerate(minutes):
        with django_capture_on_commit_callbacks(execute=True):
            assert call(tenant, ada, now, f"live-{number}").allowed
            call_complete(tenant=tenant, call_id=f"live-{number}", duration_seconds=length * 60)
    for number, length in enumerate(minutes):
        with django_capture_on_commit_callbacks(execute=True):
            result = call_records_import(tenant=tenant, rows=[{
                "call_id": f"import-{number}", "call_type": "user_out", "user_principal_name": bea.upn,
                "callee_number": UK_MOBILE, "start_at": now - datetime.timedelta(hours=1),
                "duration_seconds": length * 60}])
            assert (result.imported, result.errors) == (1, [])

    live, imported = emails_of(ada.upn), emails_of(bea.upn)
    assert [subject for subject, _, _ in live] == [
        "Contoso Test: Ada Lovelace has used 80% of their calling spend limit",
        "Contoso Test: Ada Lovelace reached their calling spend limit"]
    assert "$3.70" in live[0][2] and "$4.45" in live[-1][2]
    assert imported == live


def test_one_imported_batch_crossing_both_thresholds_sends_both_emails_once(tenant, caller, funded, now, global_admin,
                                                                           django_capture_on_commit_callbacks):
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="4.45")
    start = now - datetime.timedelta(hours=1)
    rows = [{"call_id": f"r{number}", "call_type": "user_out", "user_principal_name": caller.upn,
             "callee_number": UK_MOBILE, "start_at": start, "duration_seconds": 540} for number in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert call_records_import(tenant=tenant, rows=rows).imported == 3  # $5.55 in one batch
    assert sorted({m.subject for m in mail.outbox}) == [
        "Contoso Test: Ada Lovelace has used 80% of their calling spend limit",
        "Contoso Test: Ada Lovelace reached their calling spend limit"]
    assert all("$5.55" in m.body and "$4.45" in m.body for m in mail.outbox)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):  # more spend in the month: nothing new
        call_records_import(tenant=tenant, rows=[{**rows[0], "call_id": "r9"}])
    assert len(mail.outbox) == sent
