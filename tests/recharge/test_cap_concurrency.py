"""Real row locks: recharges racing past the monthly cap never both charge (PostgreSQL, eager tasks)."""
from decimal import Decimal

import pytest

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import AutoRechargeSettings, GatewayCharge, Purchase, RechargeAttempt
from billing.credits.services import auto_recharge_update, credits_add_funds, recharge_run, recharge_sweep
from billing.notifications.models import EmailLog
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.dates]


def test_eight_workers_racing_past_the_monthly_limit_charge_only_what_it_allows(transactional_db, clock, tenant, card,
                                                                                billing_admin, global_admin):
    clock.settle()
    credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="initial", actor=billing_admin)
    # A $500 recharge under a $2,000 trigger (settings stored before the product refused a recharge under its
    # trigger): $100 is far below it, so the first run recharges $500, every further $500 leaves the balance below
    # the trigger and every worker finds a recharge due; the monthly limit of $1,000 allows one more.
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=50, recharge_amount=500, monthly_cap=1000,
                         payment_method=card, actor=billing_admin)
    AutoRechargeSettings.objects.filter(tenant=tenant).update(trigger_amount=Decimal("2000"))
    recharge_run(tenant=tenant)
    assert Purchase.objects.filter(kind="recharge").count() == 1

    def worker(index):
        for _ in range(3):
            recharge_run(tenant=tenant)
            recharge_sweep()

    assert race(8, worker).errors == []
    made = list(Purchase.objects.filter(tenant=tenant, kind="recharge").values_list("amount", flat=True))
    assert made == [Decimal("500.00"), Decimal("500.00")]
    assert GatewayCharge.objects.filter(idempotency_key__contains="auto-recharge", status="succeeded").count() == 2
    assert RechargeAttempt.objects.filter(status="succeeded").count() == 2
    assert not RechargeAttempt.objects.filter(status="pending").exists()
    assert AutoRechargeSettings.objects.get(tenant=tenant).cap_paused_until is not None
    assert EmailLog.objects.filter(event="auto_recharge_capped").count() == 2  # once, to each of the two admins
    tenant.credit_account.refresh_from_db()
    assert tenant.credit_account.balance == Decimal("1100.00")
    assert ledger_problems() == []
