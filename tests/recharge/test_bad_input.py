"""What goes wrong between the trigger and the charge: an expired card, settings changed, a refused or invalid
recipient, a broken email template. Each gives the admin a clear reason; no money is lost or charged twice."""
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from billing.credits.gateway.sandbox import SandboxGateway
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import AutoRechargeSettings, GatewayCharge, LedgerEntry, RechargeAttempt
from billing.credits.selectors import credits_balance
from billing.credits.services import (
    auto_recharge_update,
    credits_add_funds,
    credits_debit,
    payment_method_add_card,
    recharge_process,
    recharge_start,
)
from billing.notifications.models import EmailLog
from billing.notifications.services import recipient_add

from . import backends
from .conftest import EXPIRED_AT_ISSUER, MASTERCARD

Status = RechargeAttempt.Status


def recharge_charges(tenant):
    return GatewayCharge.objects.filter(idempotency_key__startswith=f"credits:{tenant.pk}:auto-recharge-")


def recharge_entries():
    return LedgerEntry.objects.filter(kind="recharge")


def first_of_next_month(today):
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


@pytest.fixture
def pending(tenant):
    """A debit crosses the trigger and its task stores the attempt, but has not charged it yet."""

    def cross():
        credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")  # its after-commit work is not run
        return recharge_start(tenant=tenant)

    return cross


def test_a_card_that_expires_between_the_trigger_and_the_charge_is_not_charged_and_the_admins_are_told(
        tenant, funded, billing_admin, clock, pending, run_on_commit, admins):
    today = clock.now().date()
    expiring = payment_method_add_card(tenant=tenant, number="5555 5555 5555 4444", exp_month=today.month,
                                       exp_year=today.year, cvc="123", holder_name="Bill Billing", actor=billing_admin)
    funded(300, method=expiring)
    attempt = pending()
    clock.advance(days=(first_of_next_month(today) - today).days)  # the month ends: the card has expired
    attempt = run_on_commit(recharge_process, attempt_id=attempt.pk)
    reason = (f"The card ending in 4444 expired in {today.month:02d}/{today.year}. Update your payment method on "
              "Payment methods, then save the auto-recharge settings.")
    assert (attempt.status, attempt.reason, attempt.decline_code) == (Status.FAILED, reason, "expired_card")
    assert not recharge_charges(tenant).exists() and not recharge_entries().exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.email for a in admins)
    assert all(reason in m.body for m in mail.outbox)
    assert AutoRechargeSettings.objects.get(tenant=tenant).last_failure_reason == reason[:200]
    assert ledger_problems() == []


def test_a_card_the_issuer_reports_expired_fails_with_the_gateways_reason(tenant, funded, add_card, debit):
    funded(300, method=add_card(EXPIRED_AT_ISSUER))
    debit("150")
    attempt = RechargeAttempt.objects.get()
    assert (attempt.status, attempt.decline_code) == (Status.FAILED, "expired_card")
    assert attempt.reason == "Your card has expired. Replace it on Payment methods and try again."
    assert recharge_charges(tenant).get().status == "declined"
    assert not recharge_entries().exists()


def test_settings_changed_while_the_recharge_is_pending_are_the_ones_charged(tenant, funded, add_card, billing_admin,
                                                                           pending, run_on_commit):
    funded(300)
    attempt = pending()
    assert (attempt.amount, attempt.payment_method.last4) == (Decimal("500.00"), "4242")
    mastercard = add_card(MASTERCARD)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=300, recharge_amount=1000, payment_method=mastercard,
                         actor=billing_admin)
    attempt = run_on_commit(recharge_process, attempt_id=attempt.pk)
    assert (attempt.status, attempt.amount, attempt.trigger_amount, attempt.payment_method) == (
        Status.SUCCEEDED, Decimal("1000.00"), Decimal("300.00"), mastercard)
    charge = recharge_charges(tenant).get()
    assert (charge.amount, charge.token) == (Decimal("1000.00"), mastercard.gateway_token)
    assert recharge_entries().get().amount == Decimal("1000.00")
    assert attempt.invoice.subtotal == Decimal("1000.00") and attempt.invoice.payment_label == mastercard.label
    assert credits_balance(tenant=tenant).balance == Decimal("1150.00")


def test_settings_changed_after_the_charge_was_sent_apply_from_the_next_recharge(tenant, funded, card, add_card,
                                                                                billing_admin, debit, monkeypatch):
    funded(300)
    mastercard = add_card(MASTERCARD)
    real_charge = SandboxGateway.charge

    def admin_saves_during_the_charge(self, **kwargs):
        monkeypatch.setattr(SandboxGateway, "charge", real_charge)
        auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=1000,
                             payment_method=mastercard, actor=billing_admin)
        return real_charge(self, **kwargs)

    monkeypatch.setattr(SandboxGateway, "charge", admin_saves_during_the_charge)
    debit("150")
    first = RechargeAttempt.objects.get()
    assert (first.status, first.amount, first.payment_method) == (Status.SUCCEEDED, Decimal("500.00"), card)
    assert recharge_charges(tenant).get().token == card.gateway_token
    debit("500")  # $650 to $150: the next recharge uses what the admin saved
    second = RechargeAttempt.objects.latest("id")
    assert (second.status, second.amount, second.payment_method) == (Status.SUCCEEDED, Decimal("1000.00"), mastercard)
    assert sorted(recharge_entries().values_list("amount", flat=True)) == [Decimal("500.00"), Decimal("1000.00")]
    assert ledger_problems() == []


def test_turning_auto_recharge_off_while_pending_cancels_it_without_a_charge(tenant, funded, billing_admin, pending,
                                                                           run_on_commit):
    funded(300)
    attempt = pending()
    auto_recharge_update(tenant=tenant, enabled=False, trigger_amount="", recharge_amount="", payment_method=None,
                         actor=billing_admin)
    attempt = run_on_commit(recharge_process, attempt_id=attempt.pk)
    assert attempt.status == Status.CANCELED
    assert attempt.reason == "Auto-recharge was turned off before the card was charged. Nothing was charged."
    assert not recharge_charges(tenant).exists() and not recharge_entries().exists()
    assert not EmailLog.objects.filter(event__startswith="recharge").exists()


def test_a_pending_recharge_whose_settings_row_is_gone_is_canceled_without_a_charge(tenant, funded, pending,
                                                                                   run_on_commit):
    funded(300)
    attempt = pending()
    AutoRechargeSettings.objects.filter(tenant=tenant).delete()  # the lock then finds no row: never a crash
    attempt = run_on_commit(recharge_process, attempt_id=attempt.pk)
    assert attempt.status == Status.CANCELED and "Nothing was charged." in attempt.reason
    assert GatewayCharge.objects.count() == 1  # the first purchase only


def test_funds_added_by_hand_while_pending_cancel_the_recharge(tenant, funded, card, billing_admin, pending, run_on_commit):
    funded(300)
    attempt = pending()
    credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="by-hand", actor=billing_admin)
    attempt = run_on_commit(recharge_process, attempt_id=attempt.pk)
    assert attempt.status == Status.CANCELED
    assert attempt.reason == ("The balance was back at $250.00, not below $200, before the card was charged. "
                              "Nothing was charged.")
    assert not recharge_charges(tenant).exists()


def test_an_invalid_extra_recipient_is_refused_when_it_is_added(tenant, global_admin):
    with pytest.raises(ValidationError) as caught:
        recipient_add(tenant=tenant, email="payables@@contoso", actor=global_admin)
    assert caught.value.message_dict == {
        "email": ["'payables@@contoso' isn't a valid email address. Enter one like name@contoso.com."]}


def test_a_recipient_the_mail_server_refuses_fails_alone_and_the_recharge_stands(tenant, funded, debit, admins,
                                                                                 global_admin, settings):
    recipient_add(tenant=tenant, email=backends.REFUSED, actor=global_admin)
    settings.EMAIL_BACKEND = "tests.recharge.backends.RefusesOneMailbox"
    funded(300)
    debit("150")
    assert RechargeAttempt.objects.get().status == Status.SUCCEEDED
    assert recharge_entries().count() == 1 and recharge_charges(tenant).count() == 1
    rows = {row.to: row for row in EmailLog.objects.filter(event="recharge_succeeded")}
    assert rows[backends.REFUSED].status == "failed"
    assert rows[backends.REFUSED].error == ("The mail server refused the recipient: payables@contoso.test "
                                            "(550 5.1.1 Mailbox unknown)")
    assert all(rows[a.email].status == "sent" for a in admins)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.email for a in admins)


@pytest.fixture
def broken_recharge_template(settings, tmp_path):
    folder = tmp_path / "notifications" / "email"
    folder.mkdir(parents=True)
    (folder / "recharge_succeeded.html").write_text(
        '{% extends "notifications/email/base.html" %}{% block intro %}{{ amount|no_such_filter }}{% endblock %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def test_a_template_error_in_the_success_email_loses_no_money(tenant, funded, debit, admins, broken_recharge_template):
    funded(300)
    debit("150")
    attempt = RechargeAttempt.objects.get()
    assert attempt.status == Status.SUCCEEDED and attempt.invoice is not None
    assert recharge_entries().get().amount == Decimal("500.00")
    assert credits_balance(tenant=tenant).balance == Decimal("650.00")
    rows = list(EmailLog.objects.filter(event="recharge_succeeded"))
    assert len(rows) == 2 and all(r.status == "failed" and "no_such_filter" in r.error for r in rows)
    assert not mail.outbox
    assert ledger_problems() == []


def test_an_email_that_cannot_even_be_recorded_loses_no_money(tenant, funded, debit, admins, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the notifications database table is locked")

    monkeypatch.setattr("billing.credits.services.balance_events.notification_send", broken)
    funded(300)
    debit("150")
    assert RechargeAttempt.objects.get().status == Status.SUCCEEDED
    assert credits_balance(tenant=tenant).balance == Decimal("650.00")
    assert not EmailLog.objects.exists()
    assert "Recording the recharge_succeeded email" in caplog.text
