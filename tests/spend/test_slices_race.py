"""PostgreSQL, real row locks: 50 concurrent calls on a balance that covers k slices get exactly min(50, k) first
slices, and concurrent extensions never grant more than the balance covers."""
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.credits.selectors import credits_balance
from billing.rating.models import CallAuthorization
from billing.rating.selectors import today_utc
from billing.rating.services import call_authorize, call_complete, call_extend, rate_deck_import
from tests.concurrency import race
from tests.factories import TenantFactory
from tests.licensing.factories import ensure_catalogue
from tests.rating.conftest import deck_csv
from tests.rating.factories import CALLING_DECK, UK_MOBILE, add_credits, make_caller

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SLICE = Decimal("2.05")  # 10 minutes to a UK mobile: $0.20 a minute + $0.05 a call
NEXT_SLICE = Decimal("2.00")  # the next 10 minutes of the same call


@pytest.fixture
def calling_tenant():
    ensure_catalogue()
    tenant = TenantFactory()
    rate_deck_import(content=deck_csv(*CALLING_DECK), effective_from=today_utc(), tenant=tenant, name="Calling test deck")
    return tenant


@pytest.mark.parametrize("k", [7, 60])
def test_50_concurrent_calls_get_exactly_min_50_k_first_slices(calling_tenant, k):
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC") for _ in range(50)]
    add_credits(tenant, str(SLICE * k))
    now = timezone.now()

    decisions, errors = race(50, lambda i: call_authorize(
        tenant=tenant, call_id=f"race-{i}", call_type="user_out", callee_number=UK_MOBILE, start_at=now,
        user_principal_name=users[i].upn))

    assert errors == []
    allowed = [d for d in decisions if d.allowed]
    assert len(allowed) == min(50, k)
    assert all(d.max_duration_seconds == 600 for d in allowed)
    assert all(d.reason == "insufficient_credits" for d in decisions if not d.allowed)
    assert credits_balance(tenant=tenant).reserved == SLICE * min(50, k)


def test_concurrent_extensions_never_grant_more_than_the_balance_covers(calling_tenant):
    tenant = calling_tenant
    users = [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC") for _ in range(8)]
    add_credits(tenant, str(SLICE * 8))
    now = timezone.now()
    for i, user in enumerate(users):
        assert call_authorize(tenant=tenant, call_id=f"x-{i}", call_type="user_out", callee_number=UK_MOBILE,
                              start_at=now, user_principal_name=user.upn).max_duration_seconds == 600
    add_credits(tenant, str(NEXT_SLICE * 3))  # three more slices for eight calls

    for _round in range(2):  # the second round finds nothing left
        extensions, errors = race(8, lambda i: call_extend(tenant=tenant, call_id=f"x-{i}"))
        assert errors == []

    granted = sorted(a.max_duration_seconds for a in CallAuthorization.objects.filter(tenant=tenant))
    assert granted == [600] * 5 + [1200] * 3
    balance = credits_balance(tenant=tenant)
    assert balance.reserved == balance.balance == SLICE * 8 + NEXT_SLICE * 3
    assert balance.available == 0

    records, errors = race(8, lambda i: call_complete(tenant=tenant, call_id=f"x-{i}", duration_seconds=1500))
    assert errors == []
    charged = sum(r.charge for r in records)
    assert charged == SLICE * 8 + NEXT_SLICE * 3  # each charged for what it was granted, never past it
    balance = credits_balance(tenant=tenant)
    assert (balance.balance, balance.reserved) == (Decimal("0.00"), Decimal("0.00"))


def test_a_users_concurrent_call_limit_holds_under_a_race(calling_tenant):
    from billing.spend.services import destination_policy_save, user_destination_policy_set
    from tests.rating.factories import US_FIXED

    tenant = calling_tenant
    user = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    add_credits(tenant, "50.00")
    policy = destination_policy_save(tenant=tenant, actor=None, name="Three at once", max_concurrent_calls=3)
    user_destination_policy_set(tenant=tenant, user=user, actor=None, destination_policy_id=policy.pk)
    now = timezone.now()
    numbers = [US_FIXED, UK_MOBILE]  # pool-paid (no account lock) and credit-paid calls race alike

    decisions, errors = race(12, lambda i: call_authorize(
        tenant=tenant, call_id=f"u-{i}", call_type="user_out", callee_number=numbers[i % 2], start_at=now,
        user_principal_name=user.upn))

    assert errors == []
    assert sum(d.allowed for d in decisions) == 3
    assert sorted({d.reason for d in decisions if not d.allowed}) == ["concurrent_call_limit"]
