"""Minute pools: running out during a call, holds of calls in progress, shared and per-user pools, dial-out, emails."""
import datetime
from decimal import Decimal

import pytest

from billing.credits.selectors import credits_balance
from billing.notifications.models import Notification
from billing.rating.models import CallAuthorization, MinutePool, MinutePoolUsage
from billing.rating.pools import pool_month
from billing.rating.services import call_authorizations_expire, call_authorize, call_complete
from tests.licensing.factories import give_license
from tests.rating.factories import (
    EG_FIXED,
    PR_FIXED,
    UK_FIXED,
    UK_PREMIUM,
    US_FIXED,
    add_credits,
    make_caller,
    pool_used,
)

pytestmark = pytest.mark.django_db
Kind = MinutePool.Kind


def place(tenant, user, callee, now, call_id, seconds, call_type="user_out"):
    decision = call_authorize(tenant=tenant, call_id=call_id, call_type=call_type, callee_number=callee, start_at=now,
                              user_principal_name=user.upn)
    if not decision.allowed:
        return decision, None
    return decision, call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds)


def test_pool_running_out_during_a_call_pays_its_last_minute_and_credits_pay_the_rest(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    add_credits(tenant, "5.00")
    pool = pool_used(tenant, month=pool_month(now), kind=Kind.DOMESTIC, plan="MCOPSTN1", used=2999)

    decision, record = place(tenant, user, US_FIXED, now, "c1", 150)

    assert decision.capability == "MCOPSTN1"  # the pool pays first
    # 1 minute from the pool, then 90 s at $0.02/min in whole minutes: $0.04
    assert (record.pool_minutes, record.credit_minutes, record.charge) == (1, 2, Decimal("0.04"))
    assert record.capability == "MCOPSTNPP"
    pool.refresh_from_db()
    assert (pool.capacity_minutes, pool.used_minutes, pool.held_minutes) == (3000, 3000, 0)
    assert MinutePoolUsage.objects.get(call_record=record).minutes == 1
    assert credits_balance(tenant=tenant).balance == Decimal("4.96")


def test_without_credits_license_the_call_may_last_only_the_pools_last_minutes(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1")
    pool_used(tenant, month=pool_month(now), kind=Kind.DOMESTIC, plan="MCOPSTN1", used=2998)

    decision, record = place(tenant, user, US_FIXED, now, "c1", 150)

    assert decision.max_duration_seconds == 120
    # the platform was told to end the call at 120 s; the record keeps the real 150 s, the pool pays 2 minutes
    assert (record.duration_seconds, record.pool_minutes, record.credit_minutes, record.charge) == (150, 2, 0, 0)


def test_exhausted_pool_without_credits_license_blocks_the_call(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1")
    pool_used(tenant, month=pool_month(now), kind=Kind.DOMESTIC, plan="MCOPSTN1", used=3000)

    decision, _ = place(tenant, user, US_FIXED, now, "c1", 60)

    assert (decision.allowed, decision.reason) == (False, "no_credits_license")


def test_calls_in_progress_hold_pool_minutes_until_they_complete(tenant, calling_deck, now):
    first, second = (make_caller(tenant, "MCOEV", "MCOPSTN1") for _ in range(2))
    pool = pool_used(tenant, month=pool_month(now), kind=Kind.DOMESTIC, plan="MCOPSTN1", used=5990)  # 10 of 6,000 left

    held = call_authorize(tenant=tenant, call_id="c1", call_type="user_out", callee_number=US_FIXED, start_at=now,
                          user_principal_name=first.upn)
    refused = call_authorize(tenant=tenant, call_id="c2", call_type="user_out", callee_number=US_FIXED, start_at=now,
                             user_principal_name=second.upn)
    assert (held.allowed, held.max_duration_seconds) == (True, 600)
    assert (refused.allowed, refused.reason) == (False, "no_credits_license")

    call_complete(tenant=tenant, call_id="c1", duration_seconds=61)
    pool.refresh_from_db()
    assert (pool.used_minutes, pool.held_minutes) == (5992, 0)
    later = call_authorize(tenant=tenant, call_id="c3", call_type="user_out", callee_number=US_FIXED, start_at=now,
                           user_principal_name=second.upn)
    assert later.max_duration_seconds == 8 * 60


def test_us_and_puerto_rico_users_share_one_pool(tenant, calling_deck, now):
    us_user = make_caller(tenant, "MCOEV", "MCOPSTN1", country="US")
    pr_user = make_caller(tenant, "MCOEV", "MCOPSTN1", country="PR")

    place(tenant, us_user, PR_FIXED, now, "c1", 120)
    place(tenant, pr_user, US_FIXED, now, "c2", 180)

    pool = MinutePool.objects.get(tenant=tenant)
    assert (pool.kind, pool.plan, pool.country) == (Kind.DOMESTIC, "MCOPSTN1", "US")
    assert (pool.capacity_minutes, pool.used_minutes) == (6000, 5)


def test_same_plan_in_another_country_has_its_own_pool(tenant, calling_deck, now):
    us_user = make_caller(tenant, "MCOEV", "MCOPSTN1", country="US")
    uk_user = make_caller(tenant, "MCOEV", "MCOPSTN1", country="GB")

    place(tenant, us_user, US_FIXED, now, "c1", 60)
    place(tenant, uk_user, UK_FIXED, now, "c2", 60)

    pools = {(p.country, p.capacity_minutes, p.used_minutes) for p in MinutePool.objects.filter(tenant=tenant)}
    assert pools == {("US", 3000, 1), ("GB", 1200, 1)}


def test_mcopstn8_minutes_belong_to_each_user(tenant, calling_deck, now):
    spent, fresh = (make_caller(tenant, "MCOEV", "MCOPSTN8") for _ in range(2))
    pool_used(tenant, month=pool_month(now), kind=Kind.PER_USER, plan="MCOPSTN8", used=120, user=spent)

    refused, _ = place(tenant, spent, US_FIXED, now, "c1", 60)
    allowed, record = place(tenant, fresh, US_FIXED, now, "c2", 60)

    assert (refused.allowed, refused.reason) == (False, "no_credits_license")
    assert (allowed.allowed, record.pool_minutes, record.capability) == (True, 1, "MCOPSTN8")
    own = MinutePool.objects.get(tenant=tenant, user=fresh)
    assert (own.kind, own.capacity_minutes, own.used_minutes) == (Kind.PER_USER, 120, 1)


def test_international_pool_of_mcopstn2_is_apart_from_its_domestic_pool(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN2")
    place(tenant, user, UK_FIXED, now, "c1", 60)
    place(tenant, user, US_FIXED, now, "c2", 120)

    pools = {(p.kind, p.capacity_minutes, p.used_minutes) for p in MinutePool.objects.filter(tenant=tenant)}
    assert pools == {(Kind.INTERNATIONAL, 600, 1), (Kind.DOMESTIC, 3000, 2)}


def test_dial_out_pool_is_60_minutes_per_audio_conferencing_license_for_zone_a_non_premium(tenant, calling_deck, now):
    organiser = make_caller(tenant, "SPE_E5", "MCOPSTNC")
    make_caller(tenant, "SPE_E5")
    make_caller(tenant, "MCOMEETADV")
    add_credits(tenant, "10.00")

    _, zone_a = place(tenant, organiser, UK_FIXED, now, "c1", 120, call_type="conf_out")
    _, elsewhere = place(tenant, organiser, EG_FIXED, now, "c2", 60, call_type="conf_out")
    premium, _ = place(tenant, organiser, UK_PREMIUM, now, "c3", 60, call_type="conf_out")

    assert (zone_a.pool_minutes, zone_a.charge, zone_a.capability) == (2, 0, "MCOMEETADD")
    assert (elsewhere.pool_minutes, elsewhere.charge, elsewhere.capability) == (0, Decimal("0.60"), "MCOPSTNPP")
    assert (premium.allowed, premium.reason) == (False, "premium_destination")
    pool = MinutePool.objects.get(tenant=tenant)
    assert (pool.kind, pool.plan, pool.country, pool.capacity_minutes, pool.used_minutes) == (
        Kind.CONFERENCING, "MCOMEETADV", "", 180, 2)


def test_pool_capacity_follows_the_licenses_at_the_time_of_the_call(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1")
    place(tenant, user, US_FIXED, now, "c1", 60)
    colleague = make_caller(tenant, "MCOEV")
    give_license(colleague, "MCOPSTN1")

    place(tenant, user, US_FIXED, now, "c2", 60)

    assert MinutePool.objects.get(tenant=tenant).capacity_minutes == 6000


def test_each_month_has_its_own_pool(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1")
    last_month = (pool_month(now) - datetime.timedelta(days=1)).replace(day=1)
    pool_used(tenant, month=last_month, kind=Kind.DOMESTIC, plan="MCOPSTN1", used=3000)

    decision, record = place(tenant, user, US_FIXED, now, "c1", 60)

    assert (decision.allowed, record.pool_minutes) == (True, 1)
    assert MinutePool.objects.get(tenant=tenant, month=pool_month(now)).used_minutes == 1


def test_admins_are_emailed_once_when_a_pool_reaches_80_and_100_percent(tenant, billing_admin, calling_deck, now,
                                                                        django_capture_on_commit_callbacks):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1")
    pool = pool_used(tenant, month=pool_month(now), kind=Kind.DOMESTIC, plan="MCOPSTN1", used=2395)

    with django_capture_on_commit_callbacks(execute=True):
        place(tenant, user, US_FIXED, now, "c1", 240)  # 2,399: below 80%
        assert not Notification.objects.exists()
        place(tenant, user, US_FIXED, now, "c2", 60)  # 2,400 of 3,000: 80%
        place(tenant, user, US_FIXED, now, "c3", 60)
        pool_used(tenant, month=pool.month, kind=Kind.DOMESTIC, plan="MCOPSTN1", used=2999)
        place(tenant, user, US_FIXED, now, "c4", 60)  # 3,000: 100%

    sent = list(Notification.objects.order_by("id").values_list("event", "period_key"))
    assert sent == [("pool_80", f"{pool.pk}:{pool.month:%Y-%m}"), ("pool_100", f"{pool.pk}:{pool.month:%Y-%m}")]


def test_holds_never_completed_expire_and_give_back_minutes_and_credit(tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    add_credits(tenant, "2.00")
    pool_used(tenant, month=pool_month(now), kind=Kind.DOMESTIC, plan="MCOPSTN1", used=2995)
    decision = call_authorize(tenant=tenant, call_id="c1", call_type="user_out", callee_number=US_FIXED, start_at=now,
                              user_principal_name=user.upn)
    # 5 pool minutes, then one slice of 10 minutes at $0.02 (the $2.00 would cover 100)
    assert credits_balance(tenant=tenant).reserved == Decimal("0.20")
    assert decision.max_duration_seconds == (5 + 10) * 60

    assert call_authorizations_expire(now=now) == 0
    assert call_authorizations_expire(now=decision.expires_at) == 1

    authorization = CallAuthorization.objects.get(call_id="c1")
    assert authorization.status == CallAuthorization.Status.EXPIRED
    assert MinutePool.objects.get(tenant=tenant).held_minutes == 0
    assert credits_balance(tenant=tenant, now=now).reserved == 0
    assert call_authorizations_expire(now=decision.expires_at) == 0


def test_the_pools_plain_sql_license_count_equals_the_licensing_selector(tenant):
    from billing.rating.pools import plan_holder_counts
    from licensing.selectors import assigned_plan_counts

    for country, licenses in (("US", ("MCOEV", "MCOPSTN1")), ("US", ("MCOEV", "MCOPSTN1")), ("PR", ("MCOEV", "MCOPSTN1")),
                              ("GB", ("MCOEV", "MCOPSTN2")), ("GB", ("MCOEV",))):
        make_caller(tenant, *licenses, country=country)
    for plan in ("MCOPSTN1", "MCOPSTN2", "MCOEV"):
        assert plan_holder_counts(tenant=tenant, plan_name=plan) == assigned_plan_counts(tenant=tenant, plan_names=[plan])
    assert plan_holder_counts(tenant=tenant, plan_name="MCOPSTN1") == {("MCOPSTN1", "US"): 2, ("MCOPSTN1", "PR"): 1}


def test_license_holder_counts_are_kept_until_the_tenants_licenses_change(tenant, django_assert_num_queries):
    from accounts.services import user_update
    from billing.rating.pools import plan_holder_counts
    from licensing.services import licenses_change, subscription_buy
    from tests.licensing.factories import product

    subscription_buy(tenant=tenant, product=product("MCOPSTN1"), quantity=5, actor=None, idempotency_key="plan")
    ada = make_caller(tenant, "MCOEV", "MCOPSTN1", country="US")
    plan_holder_counts(tenant=tenant, plan_name="MCOPSTN1")
    with django_assert_num_queries(1):  # the version only: the count is kept
        assert plan_holder_counts(tenant=tenant, plan_name="MCOPSTN1") == {("MCOPSTN1", "US"): 1}

    user_update(user=ada, actor=None, usage_location="PR")
    assert plan_holder_counts(tenant=tenant, plan_name="MCOPSTN1") == {("MCOPSTN1", "PR"): 1}

    bob = make_caller(tenant, "MCOEV", country="US")
    licenses_change(tenant=tenant, actor=None, users=[bob], add=[product("MCOPSTN1")])
    assert plan_holder_counts(tenant=tenant, plan_name="MCOPSTN1") == {("MCOPSTN1", "PR"): 1, ("MCOPSTN1", "US"): 1}

    licenses_change(tenant=tenant, actor=None, users=[ada], remove=[product("MCOPSTN1")])
    assert plan_holder_counts(tenant=tenant, plan_name="MCOPSTN1") == {("MCOPSTN1", "US"): 1}
