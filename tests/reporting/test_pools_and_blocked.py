"""PSTN minute pools and PSTN blocked users: the figures of each pool, and who cannot call, why and since when."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.credits.services import credits_debit
from billing.rating.models import MinutePool, MinutePoolUsage, TenantPhoneNumber
from billing.rating.pools import forget_entitlements
from reporting.selectors.blocked import blocked_users
from reporting.selectors.pools import minute_pools, month_of
from tests.factories import UserFactory
from tests.reporting.factories import BlockedCallFactory, MinutePoolFactory, PhoneNumberFactory

URL = reverse("reporting:pstn_usage")
Kind = MinutePool.Kind


@pytest.fixture
def this_month():
    return month_of(timezone.now().date())


def test_pools_of_the_month_show_capacity_use_and_what_is_left(client_as, teams_comms_admin, tenant, this_month):
    MinutePoolFactory(tenant=tenant, month=this_month, plan="MCOPSTN1", country="US", capacity_minutes=300_000,
                      used_minutes=241_500)
    MinutePoolFactory(tenant=tenant, month=this_month, plan="MCOPSTN_6", country="GB", capacity_minutes=480,
                      used_minutes=480)
    MinutePoolFactory(tenant=tenant, month=this_month, kind=Kind.CONFERENCING, plan="MCOMEETADV", country="",
                      capacity_minutes=600, used_minutes=12)
    MinutePoolFactory(tenant=tenant, month=this_month - timedelta(days=1), plan="MCOPSTN1", country="US")
    response = client_as(teams_comms_admin).get(URL, {"report": "pools"})
    assert response.status_code == 200
    lines = [(p.country_label, p.description, p.total, p.used, p.available, p.capability, p.percent_used, p.state)
             for p in response.context["pools"]]
    assert lines == [
        ("All countries", "Audio Conferencing dial-out minutes to Zone A", 600, 12, 588, "MCOMEETADD", 2, "ok"),
        ("United Kingdom", "Domestic Calling Plan (240 min)", 480, 480, 0, "MCOPSTN6", 100, "exhausted"),
        ("United States and Puerto Rico", "Domestic Calling Plan", 300_000, 241_500, 58_500, "MCOPSTN1", 80, "warning"),
    ]
    body = response.content.decode()
    assert "Minute pools, " in body and "300,000" in body and 'aria-label="80% used"' in body


def test_past_months_are_offered_back_one_year(client_as, reports_reader, tenant, this_month):
    last_month = month_of(this_month - timedelta(days=1))
    MinutePoolFactory(tenant=tenant, month=last_month, plan="MCOPSTN1", used_minutes=42)
    MinutePoolFactory(tenant=tenant, month=date(this_month.year - 2, 1, 1), plan="MCOPSTN1")
    client = client_as(reports_reader)
    response = client.get(URL, {"report": "pools"})
    assert response.context["months"] == [this_month, last_month]
    past = client.get(URL, {"report": "pools", "month": f"{last_month:%Y-%m}"})
    assert [p.used for p in past.context["pools"]] == [42]


@pytest.mark.parametrize("month", ["2019-01", "January", "2026-13"])
def test_a_month_without_pools_or_not_a_month_is_a_form_error(client_as, reports_reader, month):
    response = client_as(reports_reader).get(URL, {"report": "pools", "month": month})
    assert response.status_code == 400 and "month" in response.context["errors"]


def test_per_user_pools_name_their_user(tenant, this_month):
    ana = UserFactory(tenant=tenant, display_name="Ana Own")
    MinutePoolFactory(tenant=tenant, month=this_month, kind=Kind.PER_USER, plan="MCOPSTN8", user=ana,
                      capacity_minutes=120, used_minutes=30)
    assert [p.description for p in minute_pools(tenant=tenant, month=this_month)] == [
        "Domestic Calling Plan (120 min, not pooled) – Ana Own"]


def test_pool_queries_do_not_grow_with_pools(client_as, reports_reader, tenant, this_month, django_assert_num_queries):
    client = client_as(reports_reader)
    MinutePoolFactory(tenant=tenant, month=this_month)
    with django_assert_num_queries(7):  # session, user, tenant, roles; months, pools, the licenses' plan counts
        client.get(URL, {"report": "pools"})
    for _ in range(15):
        MinutePoolFactory(tenant=tenant, month=this_month, kind=Kind.PER_USER, plan="MCOPSTN8",
                          user=UserFactory(tenant=tenant))
    with django_assert_num_queries(7):
        client.get(URL, {"report": "pools"})


def test_the_current_month_lists_every_pool_the_licenses_give_used_or_not(client_as, reports_reader, tenant, assign,
                                                                          this_month):
    forget_entitlements()
    assign(UserFactory(tenant=tenant, usage_location="US"), "MCOEV", "MCOPSTN1")
    assign(UserFactory(tenant=tenant, usage_location="PR"), "MCOEV", "MCOPSTN1")
    assign(UserFactory(tenant=tenant, usage_location="GB"), "MCOEV", "MCOPSTN2")
    assign(UserFactory(tenant=tenant, usage_location="DE", display_name="Dora Own"), "MCOEV", "MCOPSTN8")
    MinutePoolFactory(tenant=tenant, month=this_month, plan="MCOPSTN1", country="US", capacity_minutes=6000,
                      used_minutes=10)
    client = client_as(reports_reader)
    lines = [(p.country_label, p.capability, p.used, p.description.endswith("international minutes"))
             for p in client.get(URL, {"report": "pools"}).context["pools"]]
    assert lines == [
        ("Germany", "MCOPSTN8", 0, False),
        ("United Kingdom", "MCOPSTN2", 0, False),
        ("United Kingdom", "MCOPSTN2", 0, True),
        ("United States and Puerto Rico", "MCOPSTN1", 10, False),  # the pool a call used, listed once
    ]
    pools = client.get(URL, {"report": "pools"}).context["pools"]
    assert all(p.total > 0 for p in pools) and pools[0].description.endswith("Dora Own")

    last_month = month_of(this_month - timedelta(days=1))
    MinutePoolFactory(tenant=tenant, month=last_month, plan="MCOPSTN1", used_minutes=42)
    past = client.get(URL, {"report": "pools", "month": f"{last_month:%Y-%m}"})
    assert [p.used for p in past.context["pools"]] == [42]  # a past month: the pools its calls used


# Blocked users


def _line(lines, upn):
    found = [line for line in lines if line.upn == upn]
    assert found, f"{upn} is not blocked"
    return found


def test_a_teams_phone_user_without_a_calling_plan_is_blocked_since_their_license_change(tenant, assign):
    user = UserFactory(tenant=tenant, upn="tp@contoso.test", usage_location="US")
    assign(user, "MCOEV")
    (line,) = _line(blocked_users(tenant=tenant, now=timezone.now()), "tp@contoso.test")
    assert (line.reason, line.action) == ("no_calling_plan", "outbound_blocked")
    from accounts.models import AuditLog

    assert line.since == AuditLog.objects.filter(action="user.licenses", target_id=str(user.pk)).latest("id").created_at


def test_a_used_up_pool_blocks_its_users_without_the_credits_license_only(tenant, assign, this_month, fund):
    fund(50)
    plain = UserFactory(tenant=tenant, upn="plain@contoso.test", usage_location="PR")  # PR shares the US pool
    paying = UserFactory(tenant=tenant, upn="paying@contoso.test", usage_location="US")
    assign(plain, "MCOEV", "MCOPSTN1")
    assign(paying, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    used_up_at = timezone.now() - timedelta(hours=3)
    MinutePoolFactory(tenant=tenant, month=this_month, plan="MCOPSTN1", country="US", capacity_minutes=6000,
                      used_minutes=6000, notified_100_at=used_up_at)
    lines = blocked_users(tenant=tenant, now=timezone.now())
    (line,) = _line(lines, "plain@contoso.test")
    assert (line.reason, line.reason_label, line.action_label) == (
        "no_credits_license", "No Communications Credits license", "Outbound call blocked")
    assert line.since >= used_up_at  # the later of the pool running out and the license change
    assert not [x for x in lines if x.upn == "paying@contoso.test"]


def test_at_zero_balance_credit_users_and_toll_free_numbers_are_blocked_since_it_reached_zero(
        tenant, assign, this_month, fund, frozen):
    paying = UserFactory(tenant=tenant, upn="paying@contoso.test", usage_location="US")
    assign(paying, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    PhoneNumberFactory(tenant=tenant, e164="+18005550100", kind=TenantPhoneNumber.Kind.TOLL_FREE, label="Support line")
    MinutePoolFactory(tenant=tenant, month=this_month, plan="MCOPSTN1", country="US", capacity_minutes=3000,
                      used_minutes=3000, notified_100_at=timezone.now() - timedelta(days=3))
    fund(10, at=timezone.now() - timedelta(days=5))
    real_now = timezone.now
    zero_at = frozen(real_now() - timedelta(days=1))
    credits_debit(tenant=tenant, amount=Decimal("10.00"), call_id="last-call")
    timezone.now = real_now
    lines = blocked_users(tenant=tenant, now=timezone.now())
    (user_line,) = _line(lines, "paying@contoso.test")
    assert (user_line.reason, user_line.since) == ("insufficient_credits", zero_at)
    toll_free = [x for x in lines if x.phone == "+18005550100"]
    assert [(x.display_name, x.reason, x.action, x.since) for x in toll_free] == [
        ("Support line", "insufficient_credits", "inbound_not_answered", zero_at)]


def test_pay_as_you_go_users_need_the_credits_license(tenant, assign, fund):
    fund(20)
    payg = UserFactory(tenant=tenant, upn="payg@contoso.test", usage_location="GB")
    assign(payg, "MCOEV", "MCOPSTN_PAYG_1")
    (line,) = _line(blocked_users(tenant=tenant, now=timezone.now()), "payg@contoso.test")
    assert line.reason == "payg_unfunded"
    assign(payg, "MCOPSTNC")
    assert not [x for x in blocked_users(tenant=tenant, now=timezone.now()) if x.upn == "payg@contoso.test"]


def test_organisers_cannot_dial_out_once_the_conferencing_pool_is_used_up(tenant, assign, this_month):
    host = UserFactory(tenant=tenant, upn="host@contoso.test", usage_location="US")
    assign(host, "MCOMEETADV")
    MinutePoolFactory(tenant=tenant, month=this_month, kind=Kind.CONFERENCING, plan="MCOMEETADV", country="",
                      capacity_minutes=60, used_minutes=60)
    (line,) = _line(blocked_users(tenant=tenant, now=timezone.now()), "host@contoso.test")
    assert (line.reason, line.action) == ("no_credits_license", "dial_out_blocked")


def test_a_call_that_uses_up_the_pool_blocks_the_user_from_then(tenant, assign, place_call, clock):
    """End to end through rating: a 120-minute plan's pool runs out on a call; the next call is refused."""
    clock.settle()  # both calls in one month
    caller = UserFactory(tenant=tenant, upn="short@contoso.test", usage_location="US", phone_number="+14255550142")
    assign(caller, "MCOEV", "MCOPSTN5")
    started = timezone.now() - timedelta(hours=4)
    record = place_call(caller, "+12065550123", start_at=started, seconds=125 * 60)
    assert record.pool_minutes == 120
    assert place_call(caller, "+12065550123", start_at=timezone.now() - timedelta(minutes=5)) is None
    (line,) = _line(blocked_users(tenant=tenant, now=timezone.now()), "short@contoso.test")
    usage = MinutePoolUsage.objects.get(call_record=record)
    assert line.reason == "no_credits_license" and line.since >= usage.used_at
    assert line.since == max(usage.pool.notified_100_at or usage.used_at, line.since)


def test_the_blocked_users_page_lists_blocks_and_refused_attempts_of_the_range(client_as, teams_comms_admin, tenant,
                                                                               other_tenant, assign):
    user = UserFactory(tenant=tenant, upn="tp@contoso.test", display_name="Tom Phone", phone_number="+14255550111")
    assign(user, "MCOEV")
    now = timezone.now()
    BlockedCallFactory(tenant=tenant, user=user, blocked_at=now - timedelta(days=2), callee_number="+19005550100",
                       reason="premium_destination")
    BlockedCallFactory(tenant=tenant, user=user, blocked_at=now - timedelta(days=40))  # outside 28 days
    BlockedCallFactory(tenant=other_tenant, blocked_at=now - timedelta(days=1))
    response = client_as(teams_comms_admin).get(URL, {"report": "blocked", "range": "28"})
    assert response.status_code == 200
    assert [(x.display_name, x.reason_label) for x in response.context["blocked"]] == [("Tom Phone", "No Calling Plan license")]
    assert [a.callee_number for a in response.context["attempts"]] == ["+19005550100"]
    body = response.content.decode()
    assert "Tom Phone" in body and "Premium-rate destination" in body and "+14255550111" in body


def test_blocked_users_queries_do_not_grow_with_users(client_as, reports_reader, tenant, assign,
                                                      django_assert_num_queries):
    client = client_as(reports_reader)
    assign(UserFactory(tenant=tenant), "MCOEV")
    assign(UserFactory(tenant=tenant), "MCOEV", "MCOPSTN1")
    forget_entitlements()
    # A process reads each plan's entitlement once (4 queries a plan), whatever the number of users holding it.
    client.get(URL, {"report": "blocked"})
    # session, user, tenant, roles; plans, numbers, balance, pools, zero since, license changes (2), users,
    # toll-free numbers (the balance is zero), attempts
    with django_assert_num_queries(14):
        client.get(URL, {"report": "blocked"})
    for _ in range(12):
        assign(UserFactory(tenant=tenant), "MCOEV", "MCOPSTN1")
    with django_assert_num_queries(14):
        client.get(URL, {"report": "blocked"})
