"""Crossing the trigger: one recharge after the commit, one charge, one lot, one invoice, one email per admin."""
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import AutoRechargeSettings, GatewayCharge, LedgerEntry, Lot, RechargeAttempt
from billing.credits.services import credits_debit, credits_reserve, recharge_if_due, recharge_start
from billing.invoices.models import Invoice
from billing.notifications.models import EmailLog

Status = RechargeAttempt.Status


def recharges(tenant):
    return LedgerEntry.objects.filter(account__tenant=tenant, kind="recharge")


def test_a_debit_that_crosses_the_trigger_recharges_once_after_the_commit(tenant, funded, debit, admins):
    funded(300)
    debit("99.99")
    assert not RechargeAttempt.objects.exists()  # still at $200.01: not below $200
    debit("0.02")
    attempt = RechargeAttempt.objects.get()
    assert (attempt.status, attempt.amount, attempt.trigger_amount, attempt.available_at_start) == (
        Status.SUCCEEDED, Decimal("500.00"), Decimal("200.00"), Decimal("199.99"))
    entry = recharges(tenant).get()
    assert (entry.amount, entry.balance_after, entry.purchase) == (Decimal("500.00"), Decimal("699.99"), attempt.purchase)
    lot = Lot.objects.get(entry=entry)
    assert lot.remaining == Decimal("500.00") and lot.purchase == attempt.purchase
    charge = GatewayCharge.objects.get(idempotency_key=f"credits:{tenant.pk}:{attempt.idempotency_key}")
    assert (charge.amount, charge.status, attempt.purchase.gateway_charge_id) == (Decimal("500.00"), "succeeded",
                                                                                   charge.reference)
    invoice = attempt.invoice
    assert (invoice.kind, invoice.subtotal, invoice.reference, invoice.payment_status, invoice.description) == (
        "purchase", Decimal("500.00"), f"purchase:{attempt.purchase.pk}", "paid", "Communications Credits, auto-recharge")
    sent = sorted(mail.outbox, key=lambda m: m.to[0])
    assert [m.to[0] for m in sent] == sorted(a.email for a in admins)
    for message in sent:
        assert "Auto-recharge added $500.00" in message.subject
        assert invoice.display_number in message.body and "$699.99" in message.body
        assert f"/billing/bills/{invoice.pk}/" in message.body
    assert ledger_problems() == []


def test_the_recharge_starts_only_when_the_transaction_commits(tenant, funded, django_capture_on_commit_callbacks):
    funded(300)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        credits_debit(tenant=tenant, amount=Decimal("150"), call_id="c1")
    assert len(callbacks) == 1 and not RechargeAttempt.objects.exists()


def test_a_rolled_back_debit_starts_nothing(tenant, funded, django_capture_on_commit_callbacks):
    funded(300)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            credits_debit(tenant=tenant, amount=Decimal("150"), call_id="c1")
            raise RuntimeError("the rating engine's transaction failed after the debit")
    assert callbacks == [] and not RechargeAttempt.objects.exists() and not recharges(tenant).exists()


def test_debits_below_the_trigger_after_the_crossing_start_no_second_recharge(tenant, funded, debit):
    funded(300, trigger=200, recharge=500)
    # Settings saved before a recharge had to reach the trigger: $50 does not lift $140 back to $200.
    AutoRechargeSettings.objects.filter(tenant=tenant).update(recharge_amount=Decimal("50"))
    debit("160")
    assert RechargeAttempt.objects.get().status == Status.SUCCEEDED
    for _ in range(5):
        debit("1")
    assert RechargeAttempt.objects.count() == 1 and recharges(tenant).count() == 1


def test_recharge_fires_once_when_many_calls_cross_the_trigger_while_one_is_pending(tenant, funded,
                                                                                     django_capture_on_commit_callbacks):
    funded(300)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        credits_debit(tenant=tenant, amount=Decimal("101"), call_id="first")
    pending = recharge_start(tenant=tenant)  # the first call's task has stored its attempt, not charged yet
    assert pending.status == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True) as asked:
        for _ in range(20):  # other calls ask for a recharge too (their tasks, the sweep, a hook): each runs, finds it
            assert recharge_start(tenant=tenant) is None
            assert recharge_if_due(tenant=tenant)
    assert len(asked) == 20
    for callback in callbacks:  # the first call's own message arrives late
        callback()
    assert list(RechargeAttempt.objects.values_list("status", flat=True)) == [Status.PENDING]
    assert not GatewayCharge.objects.filter(idempotency_key__contains="auto-recharge").exists()


def test_the_database_refuses_a_second_pending_attempt_but_keeps_any_number_of_finished_ones(tenant, card):
    def attempt(**fields):
        return RechargeAttempt.objects.create(tenant=tenant, amount=Decimal("500"), trigger_amount=Decimal("200"),
                                              available_at_start=Decimal("100"), payment_method=card,
                                              payment_method_label=card.label, **fields)

    attempt(status=Status.FAILED, finished_at=timezone.now())
    attempt(status=Status.CANCELED, finished_at=timezone.now())
    attempt()
    with pytest.raises(IntegrityError), transaction.atomic():
        attempt()
    assert RechargeAttempt.objects.filter(status=Status.PENDING).count() == 1


def test_a_hold_that_takes_the_available_balance_below_the_trigger_starts_a_recharge(tenant, funded, run_on_commit):
    funded(300)
    run_on_commit(credits_reserve, tenant=tenant, amount=Decimal("150"), call_id="live-call")
    assert RechargeAttempt.objects.get().status == Status.SUCCEEDED
    assert recharges(tenant).count() == 1


def test_nothing_starts_when_auto_recharge_is_off(tenant, card, billing_admin, debit, fund_without_recharge):
    fund_without_recharge(300)
    debit("250")
    assert not RechargeAttempt.objects.exists() and not recharges(tenant).exists()


def test_turning_auto_recharge_on_below_the_trigger_recharges_at_once(tenant, card, billing_admin, fund_without_recharge,
                                                                      run_on_commit):
    from billing.credits.services import auto_recharge_update

    fund_without_recharge(100)
    run_on_commit(auto_recharge_update, tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500,
                  payment_method=card, actor=billing_admin)
    assert RechargeAttempt.objects.get().status == Status.SUCCEEDED


def test_an_invoice_paid_recharge_issues_an_invoice_that_is_due_with_the_po(tenant, global_admin, billing_admin,
                                                                            run_on_commit, debit, card):
    from accounts.models import Tenant
    from billing.credits.services import auto_recharge_update, credits_add_funds, payment_method_add_invoice

    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind="EA", agreement_number="EA-77")
    tenant.refresh_from_db()
    method = payment_method_add_invoice(tenant=tenant, agreement_number="EA-77", po_number="PO-9", actor=global_admin)
    credits_add_funds(tenant=tenant, amount=300, payment_method=card, idempotency_key="k", actor=billing_admin)
    run_on_commit(auto_recharge_update, tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500,
                  payment_method=method, actor=global_admin)
    debit("150")
    attempt = RechargeAttempt.objects.get()
    assert attempt.status == Status.SUCCEEDED and attempt.purchase.gateway_charge_id == ""
    assert (attempt.invoice.payment_method, attempt.invoice.po_number, attempt.invoice.payment_status) == (
        "invoice", "PO-9", "due")
    assert not GatewayCharge.objects.filter(idempotency_key__contains="auto-recharge").exists()
    assert Invoice.objects.filter(tenant=tenant, kind="purchase").count() == 2


def test_emails_are_recorded_once_per_admin(tenant, funded, debit, admins):
    funded(300)
    debit("150")
    rows = EmailLog.objects.filter(event="recharge_succeeded")
    assert sorted(rows.values_list("to", flat=True)) == sorted(a.email for a in admins)
    assert set(rows.values_list("status", flat=True)) == {"sent"}
