"""Real row locks: 20 calls racing on one balance across the trigger start one recharge (PostgreSQL, eager tasks)."""
from decimal import Decimal

import pytest

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import GatewayCharge, LedgerEntry, Lot, RechargeAttempt
from billing.credits.services import auto_recharge_update, credits_add_funds, credits_debit, recharge_if_due
from billing.notifications.models import EmailLog
from tests.concurrency import race

pytestmark = pytest.mark.postgres


def test_recharge_fires_once_when_twenty_calls_cross_the_trigger_at_once(transactional_db, tenant, card, billing_admin,
                                                                        global_admin):
    credits_add_funds(tenant=tenant, amount=300, payment_method=card, idempotency_key="initial", actor=billing_admin)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)

    def call(index):
        credits_debit(tenant=tenant, amount=Decimal("7.50"), call_id=f"race-{index}")  # 20 x $7.50 = $150
        recharge_if_due(tenant=tenant)  # and every call asks again, as a batch import would

    assert race(20, call).errors == []
    attempt = RechargeAttempt.objects.get()
    assert attempt.status == RechargeAttempt.Status.SUCCEEDED
    assert GatewayCharge.objects.filter(idempotency_key__contains="auto-recharge").count() == 1
    assert LedgerEntry.objects.filter(kind="recharge").count() == 1
    assert Lot.objects.filter(entry__kind="recharge").count() == 1
    assert EmailLog.objects.filter(event="recharge_succeeded").count() == 2
    tenant.credit_account.refresh_from_db()
    assert tenant.credit_account.balance == Decimal("650.00")
    assert ledger_problems() == []
