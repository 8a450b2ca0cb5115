"""Auto-recharge with real parts: Redis, a `celery worker` process, PostgreSQL shared with it, SMTP on loopback.

Each scenario ends with the same accounting: one gateway charge, one ledger entry and lot of kind recharge, one
invoice, one email per recipient received by the SMTP server, and a ledger that sums to the balance.
"""
import time
from decimal import Decimal

import pytest

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import GatewayCharge, LedgerEntry, Lot, RechargeAttempt
from billing.credits.services import auto_recharge_update, credits_add_funds, credits_debit, payment_method_add_card
from billing.credits.tasks import sweep_recharges
from billing.invoices.models import Invoice
from billing.notifications.models import EmailLog
from billing.notifications.services import recipient_add
from tests.concurrency import race

from .conftest import REFUSED, free_port, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.real_clock]

Status = RechargeAttempt.Status
SUBJECT = "Auto-recharge added $500.00"


@pytest.fixture
def contoso(tenant, global_admin, billing_admin):
    """$300 of credits, auto-recharge on: below $200, add $500 with the Visa test card. Two admins get the emails."""
    card = payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12, exp_year=2031, cvc="123",
                                   holder_name="Bill Billing", actor=billing_admin)
    credits_add_funds(tenant=tenant, amount=300, payment_method=card, idempotency_key="initial", actor=billing_admin)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    tenant.admin_emails = sorted([global_admin.email, billing_admin.email])
    return tenant


def recharge_charges(tenant):
    return GatewayCharge.objects.filter(idempotency_key__startswith=f"credits:{tenant.pk}:auto-recharge-")


def succeeded(tenant):
    return RechargeAttempt.objects.filter(tenant=tenant, status=Status.SUCCEEDED).first()


def emails_settled(event):
    rows = list(EmailLog.objects.filter(event=event))
    return rows if rows and all(row.status in ("sent", "failed") for row in rows) else None


def assert_recharged_once(tenant, smtp_server, recipients):
    attempt = RechargeAttempt.objects.get(tenant=tenant)
    assert attempt.status == Status.SUCCEEDED and attempt.amount == Decimal("500.00")
    assert recharge_charges(tenant).count() == 1 and recharge_charges(tenant).get().status == "succeeded"
    assert LedgerEntry.objects.filter(account__tenant=tenant, kind="recharge").count() == 1
    assert Lot.objects.filter(account__tenant=tenant, entry__kind="recharge").count() == 1
    assert Invoice.objects.filter(tenant=tenant, kind="purchase", reference=f"purchase:{attempt.purchase_id}").count() == 1
    received = smtp_server.received(SUBJECT)
    assert sorted(to for rcpt_tos, _ in received for to in rcpt_tos) == sorted(recipients)
    for _, message in received:
        body = message.get_body(("plain",)).get_content()
        assert attempt.invoice.display_number in body and "$500.00" in body
    assert ledger_problems() == []
    return attempt


def test_twenty_concurrent_debits_across_the_trigger_recharge_once(contoso, start_worker, smtp_server):
    worker = start_worker()
    # 20 x $7.50: $300 to $150, across the $200 trigger
    assert race(20, lambda i: credits_debit(tenant=contoso, amount=Decimal("7.50"), call_id=f"race-{i}")).errors == []

    wait_for(lambda: succeeded(contoso), timeout=30, what="the recharge to succeed", worker=worker)
    wait_for(lambda: emails_settled("recharge_succeeded"), timeout=30, what="the recharge emails", worker=worker)
    wait_for(lambda: Invoice.objects.filter(tenant=contoso, kind="purchase").exclude(pdf="").count() == 2, timeout=60,
             what="the worker to render both invoices' PDFs", worker=worker)
    sweep_recharges.delay()  # beat's next sweep finds nothing to do
    wait_for(lambda: "Task billing.credits.tasks.sweep_recharges" in worker.log_tail(), timeout=20, what="the sweep",
             worker=worker)
    worker.stop()
    attempt = assert_recharged_once(contoso, smtp_server, contoso.admin_emails)
    assert attempt.claims == 1 and "{'started': 0, 'resumed': 0}" in worker.log_tail(100_000)
    contoso.credit_account.refresh_from_db()
    assert contoso.credit_account.balance == Decimal("650.00")


def test_a_worker_killed_mid_charge_is_replaced_and_the_card_is_charged_once(contoso, start_worker, smtp_server):
    slow = start_worker(RECHARGE_TEST_GATEWAY_DELAY=30, CREDITS_RECHARGE_LEASE_SECONDS=2)
    credits_debit(tenant=contoso, amount=Decimal("150"), call_id="crossing")
    wait_for(lambda: recharge_charges(contoso).exists(), timeout=30, what="the gateway charge", worker=slow)
    slow.kill()  # the processor has the money; the ledger has nothing yet
    attempt = RechargeAttempt.objects.get(tenant=contoso)
    assert attempt.status == Status.PENDING and attempt.claims == 1 and attempt.claimed_at is not None
    assert not LedgerEntry.objects.filter(kind="recharge").exists() and not smtp_server.received(SUBJECT)

    time.sleep(2.5)  # the lost worker's lease runs out
    worker = start_worker(CREDITS_RECHARGE_LEASE_SECONDS=2)
    sweep_recharges.delay()  # what beat sends every minute
    wait_for(lambda: succeeded(contoso), timeout=30, what="the resumed recharge to succeed", worker=worker)
    wait_for(lambda: emails_settled("recharge_succeeded"), timeout=30, what="the recharge emails", worker=worker)
    worker.stop()
    attempt = assert_recharged_once(contoso, smtp_server, contoso.admin_emails)
    assert attempt.claims == 2


def test_with_the_broker_down_at_the_crossing_the_sweep_recharges_once_it_is_back(contoso, start_worker, smtp_server,
                                                                                 broker, global_admin, caplog):
    recipient_add(tenant=contoso, email=REFUSED, actor=global_admin)  # the mail server will refuse this one
    worker = start_worker()
    broker.point_at(f"redis://127.0.0.1:{free_port()}/9")  # nothing listens there
    credits_debit(tenant=contoso, amount=Decimal("150"), call_id="crossing")
    assert "the sweep will start it" in caplog.text
    time.sleep(2)
    assert not RechargeAttempt.objects.exists()  # no message reached the worker

    broker.point_at(broker.url)
    sweep_recharges.delay()
    wait_for(lambda: succeeded(contoso), timeout=30, what="the sweep's recharge to succeed", worker=worker)
    rows = wait_for(lambda: emails_settled("recharge_succeeded"), timeout=30, what="the recharge emails", worker=worker)
    worker.stop()
    assert_recharged_once(contoso, smtp_server, contoso.admin_emails)
    refused = next(row for row in rows if row.to == REFUSED)
    assert (refused.status, refused.error) == (
        "failed", "The mail server refused the recipient: payables@contoso.test (550 5.1.1 Mailbox unknown)")
