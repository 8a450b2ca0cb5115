"""Real row locks on PostgreSQL: concurrent calls of one tenant never promise more credit or pool minutes than exist."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.credits.models import LedgerEntry, Reservation
from billing.credits.selectors import credits_balance
from billing.rating.models import CallAuthorization, CallRecord, MinutePool
from billing.rating.pools import pool_month
from billing.rating.selectors import today_utc
from billing.rating.services import call_authorize, call_complete, call_records_import, rate_deck_import
from billing.rating.usage_days import usage_days_fold, usage_days_mismatches
from tests.concurrency import race
from tests.factories import TenantFactory
from tests.licensing.factories import ensure_catalogue
from tests.rating.conftest import deck_csv
from tests.rating.factories import CALLING_DECK, UK_MOBILE, US_FIXED, add_credits, make_caller, pool_used

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calling_tenant():
    ensure_catalogue()
    tenant = TenantFactory()
    rate_deck_import(content=deck_csv(*CALLING_DECK), effective_from=today_utc(), tenant=tenant, name="Calling test deck")
    return tenant


def test_50_concurrent_authorizations_never_grant_more_minutes_than_the_balance_covers(calling_tenant, settings):
    settings.RATING_MAX_CALL_MINUTES = 3  # each call asks for up to 3 minutes, so the balance is shared out
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC") for _ in range(50)]
    add_credits(tenant, "4.05")  # UK mobile: $0.20/min + $0.05 per call; covers at most k = 20 minutes
    now = timezone.now()

    decisions, errors = race(50, lambda i: call_authorize(
        tenant=tenant, call_id=f"race-{i}", call_type="user_out", callee_number=UK_MOBILE, start_at=now,
        user_principal_name=users[i].upn))

    assert errors == []
    allowed = [d for d in decisions if d.allowed]
    granted_minutes = sum(d.max_duration_seconds for d in allowed) // 60
    assert 0 < granted_minutes <= 20
    assert all(d.reason == "insufficient_credits" for d in decisions if not d.allowed)
    reserved = credits_balance(tenant=tenant).reserved
    assert reserved <= Decimal("4.05")
    assert reserved == sum(a.credit_amount_reserved for a in CallAuthorization.objects.filter(tenant=tenant))

    records, errors = race(len(allowed), lambda i: call_complete(
        tenant=tenant, call_id=allowed[i].call_id, duration_seconds=allowed[i].max_duration_seconds - 7 * i % 50))

    assert errors == []
    charged = sum(r.charge for r in records)
    ledger = LedgerEntry.objects.filter(account__tenant=tenant, kind=LedgerEntry.Kind.CALL_CHARGE)
    assert -sum(e.amount for e in ledger) == charged
    assert sorted(e.call_id for e in ledger) == sorted(r.call_id for r in records if r.charge)
    balance = credits_balance(tenant=tenant)
    assert balance.balance == Decimal("4.05") - charged >= 0
    assert balance.reserved == 0
    assert not Reservation.objects.filter(status=Reservation.Status.HELD).exists()


def test_concurrent_calls_never_hold_more_pool_minutes_than_are_left(calling_tenant, settings):
    settings.RATING_MAX_CALL_MINUTES = 4
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1") for _ in range(30)]  # no credits license: the pool or nothing
    pool = pool_used(tenant, month=pool_month(timezone.now()), kind=MinutePool.Kind.DOMESTIC, plan="MCOPSTN1",
                     used=30 * 3000 - 25)
    now = timezone.now()

    decisions, errors = race(30, lambda i: call_authorize(
        tenant=tenant, call_id=f"pool-{i}", call_type="user_out", callee_number=US_FIXED, start_at=now,
        user_principal_name=users[i].upn))

    assert errors == []
    assert sum(d.max_duration_seconds for d in decisions if d.allowed) == 25 * 60
    pool.refresh_from_db()
    assert pool.held_minutes == 25

    race(30, lambda i: decisions[i].allowed and call_complete(tenant=tenant, call_id=f"pool-{i}",
                                                              duration_seconds=decisions[i].max_duration_seconds))
    pool.refresh_from_db()
    assert (pool.used_minutes, pool.held_minutes) == (30 * 3000, 0)


def test_the_same_batch_imported_twice_at_once_is_charged_once(calling_tenant):
    tenant = calling_tenant
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@race.test")
    add_credits(tenant, "50.00")
    start = timezone.now() - datetime.timedelta(hours=1)
    rows = [{"call_id": f"imp-{i}", "call_type": "user_out", "user_principal_name": "ada@race.test",
             "callee_number": UK_MOBILE, "start_at": start, "duration_seconds": 61} for i in range(40)]

    results, errors = race(2, lambda i: call_records_import(tenant=tenant, rows=rows, actor=None))

    assert errors == []
    assert sorted((r.imported, len(r.duplicates)) for r in results) == [(0, 40), (40, 0)]
    assert CallRecord.objects.filter(tenant=tenant).count() == 40
    assert credits_balance(tenant=tenant).balance == Decimal("50.00") - 40 * Decimal("0.45")


def test_calls_racing_for_a_pool_and_for_credits_at_once_share_both_exactly(calling_tenant, settings):
    """Pool-only holds take just the pool's lock; when the pool runs short, calls fall back to the account lock."""
    settings.RATING_MAX_CALL_MINUTES = 4
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC") for _ in range(30)]
    pool = pool_used(tenant, month=pool_month(timezone.now()), kind=MinutePool.Kind.DOMESTIC, plan="MCOPSTN1",
                     used=30 * 3000 - 10)
    add_credits(tenant, "1.00")
    now = timezone.now()

    decisions, errors = race(30, lambda i: call_authorize(
        tenant=tenant, call_id=f"mix-{i}", call_type="user_out", callee_number=US_FIXED, start_at=now,
        user_principal_name=users[i].upn))

    assert errors == []
    pool.refresh_from_db()
    authorizations = CallAuthorization.objects.filter(tenant=tenant)
    assert pool.held_minutes == sum(a.pool_minutes_held for a in authorizations) == 10
    reserved = credits_balance(tenant=tenant).reserved
    assert 0 < reserved <= Decimal("1.00")
    assert reserved == sum(a.credit_amount_reserved for a in authorizations)
    allowed = [d for d in decisions if d.allowed]

    records, errors = race(len(allowed), lambda i: call_complete(
        tenant=tenant, call_id=allowed[i].call_id, duration_seconds=allowed[i].max_duration_seconds))

    assert errors == []
    pool.refresh_from_db()
    assert (pool.used_minutes, pool.held_minutes) == (30 * 3000, 0)
    assert sum(r.pool_minutes for r in records) == 10
    ledger = LedgerEntry.objects.filter(account__tenant=tenant, kind=LedgerEntry.Kind.CALL_CHARGE)
    assert -sum(e.amount for e in ledger) == sum(r.charge for r in records) > 0
    assert credits_balance(tenant=tenant).balance == Decimal("1.00") + sum(e.amount for e in ledger) >= 0


def test_completions_racing_the_expiry_sweep_settle_each_pool_minute_once(calling_tenant, settings):
    from billing.rating.exceptions import CallConflict
    from billing.rating.services import call_authorizations_expire

    settings.RATING_MAX_CALL_MINUTES = 4
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1") for _ in range(20)]
    pool = pool_used(tenant, month=pool_month(timezone.now()), kind=MinutePool.Kind.DOMESTIC, plan="MCOPSTN1", used=0)
    now = timezone.now()
    for i in range(20):
        assert call_authorize(tenant=tenant, call_id=f"late-{i}", call_type="user_out", callee_number=US_FIXED,
                              start_at=now, user_principal_name=users[i].upn).allowed
    CallAuthorization.objects.filter(tenant=tenant).update(expires_at=now - datetime.timedelta(seconds=1))

    def work(i):
        if i == 20:
            return call_authorizations_expire()
        try:
            return call_complete(tenant=tenant, call_id=f"late-{i}", duration_seconds=90)
        except CallConflict:
            return None

    results, errors = race(21, work)

    assert errors == []
    records = [r for r in results[:20] if r is not None]
    pool.refresh_from_db()
    assert pool.held_minutes == 0
    assert pool.used_minutes == 2 * len(records) == 2 * CallRecord.objects.filter(tenant=tenant).count()
    statuses = sorted(CallAuthorization.objects.filter(tenant=tenant).values_list("status", flat=True))
    assert statuses.count("completed") == len(records) and statuses.count("expired") == 20 - len(records)
    assert results[20] == 20 - len(records)


def test_completions_racing_each_other_and_the_fold_keep_the_daily_totals_exact(calling_tenant):
    """Pool-paid and credit calls of one tenant and day complete at once while beat's fold runs
    beside them: nobody deadlocks or waits on a shared day row, and the totals equal the records'."""
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC") for _ in range(24)]
    add_credits(tenant, "100.00")
    now = timezone.now()
    callees = [US_FIXED, US_FIXED, UK_MOBILE]  # two pool calls for each credit call
    for i, user in enumerate(users):
        assert call_authorize(tenant=tenant, call_id=f"day-{i}", call_type="user_out", callee_number=callees[i % 3],
                              start_at=now, user_principal_name=user.upn).allowed

    def work(i):
        if i >= len(users):
            return [usage_days_fold() for _ in range(5)]
        return call_complete(tenant=tenant, call_id=f"day-{i}", duration_seconds=30 + 17 * i)

    outcome = race(len(users) + 2, work)

    assert outcome.errors == []
    assert CallRecord.objects.filter(tenant=tenant).count() == len(users)
    assert usage_days_mismatches(tenant_id=tenant.pk) == []
    usage_days_fold()
    assert usage_days_mismatches(tenant_id=tenant.pk) == []
