"""A failed recharge: the reason emailed, the next try after the retry delays, a pause after three in a row."""
from datetime import timedelta
from decimal import Decimal

from django.core import mail

from accounts.models import AuditLog
from billing.credits.models import AutoRechargeSettings, LedgerEntry, RechargeAttempt
from billing.credits.selectors import credits_balance
from billing.credits.services import auto_recharge_update, payment_method_replace, recharge_start, recharge_sweep
from billing.notifications.models import EmailLog

from .conftest import DECLINED, INSUFFICIENT

Status = RechargeAttempt.Status
DECLINE_MESSAGE = "Your card was declined. Use another payment method or contact your card issuer."


def settings_of(tenant):
    return AutoRechargeSettings.objects.get(tenant=tenant)


def emails(event):
    return EmailLog.objects.filter(event=event).order_by("to")


def test_a_declined_recharge_emails_the_reason_and_waits_an_hour_before_trying_again(tenant, funded, add_card, debit,
                                                                                    clock, run_on_commit, admins):
    funded(300, method=add_card(DECLINED))
    started = clock.now()
    debit("150")
    attempt = RechargeAttempt.objects.get()
    assert (attempt.status, attempt.reason, attempt.decline_code) == (Status.FAILED, DECLINE_MESSAGE, "card_declined")
    assert started + timedelta(hours=1) <= attempt.retry_at <= clock.now() + timedelta(hours=1)
    assert (settings_of(tenant).consecutive_failures, settings_of(tenant).paused) == (1, False)
    assert not LedgerEntry.objects.filter(kind="recharge").exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.email for a in admins)
    for message in mail.outbox:
        assert "Auto-recharge of $500.00 failed" in message.subject and DECLINE_MESSAGE in message.body
    assert AuditLog.objects.filter(tenant=tenant, action="credits.auto_recharge_failed").count() == 1

    clock.advance(minutes=59)
    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 0}  # below the trigger, but waiting
    assert RechargeAttempt.objects.count() == 1
    clock.advance(minutes=2)
    run_on_commit(recharge_sweep)
    assert RechargeAttempt.objects.count() == 2


def test_retries_follow_the_configured_delays_and_three_failures_pause_auto_recharge(tenant, funded, add_card, debit,
                                                                                    clock, run_on_commit, settings):
    settings.CREDITS_RECHARGE_RETRY_DELAYS = [60, 600]
    funded(300, method=add_card(INSUFFICIENT))
    debit("150")
    first = RechargeAttempt.objects.get()
    clock.advance(seconds=61)
    run_on_commit(recharge_sweep)
    second = RechargeAttempt.objects.latest("id")
    assert second.status == Status.FAILED and second.retry_at - second.finished_at == timedelta(seconds=600)
    assert first.retry_at - first.finished_at == timedelta(seconds=60)
    clock.advance(seconds=601)
    run_on_commit(recharge_sweep)
    third = RechargeAttempt.objects.latest("id")
    assert third.status == Status.FAILED and third.retry_at is None
    recharge = settings_of(tenant)
    assert (recharge.consecutive_failures, recharge.paused) == (3, True)
    assert credits_balance(tenant=tenant).auto_recharge_paused
    assert emails("recharge_failed").count() == 4  # two admins, first and second failure
    paused = list(emails("auto_recharge_paused"))
    assert len(paused) == 2
    assert "3 times in a row" in paused[0].text_body and "insufficient funds" in paused[0].text_body
    assert "Payment methods" in paused[0].text_body

    clock.advance(days=30)
    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 0}
    assert RechargeAttempt.objects.count() == 3


def test_fixing_the_card_and_saving_the_settings_resumes_and_recharges_at_once(tenant, funded, add_card, debit, clock,
                                                                              run_on_commit, billing_admin, settings):
    settings.CREDITS_RECHARGE_RETRY_DELAYS = [60]
    bad = add_card(DECLINED)
    funded(300, method=bad)
    debit("150")
    for _ in range(2):
        clock.advance(seconds=61)
        run_on_commit(recharge_sweep)
    assert settings_of(tenant).paused
    new_card = payment_method_replace(payment_method=bad, number="5555 5555 5555 4444", exp_month=12,
                                      exp_year=clock.now().year + 2,
                                      holder_name="Bill Billing", actor=billing_admin, cvc="123")
    assert settings_of(tenant).payment_method == new_card and settings_of(tenant).paused  # replacing alone doesn't resume
    run_on_commit(auto_recharge_update, tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500,
                  payment_method=new_card, actor=billing_admin)
    latest = RechargeAttempt.objects.latest("id")
    assert (latest.status, latest.payment_method, latest.amount) == (Status.SUCCEEDED, new_card, Decimal("500.00"))
    assert (settings_of(tenant).consecutive_failures, settings_of(tenant).paused) == (0, False)
    assert credits_balance(tenant=tenant).balance == Decimal("650.00")


def test_a_success_after_a_failure_resets_the_count(tenant, funded, add_card, debit, clock, run_on_commit, billing_admin,
                                                   settings):
    settings.CREDITS_RECHARGE_RETRY_DELAYS = [60]
    bad = add_card(DECLINED)
    funded(300, method=bad)
    debit("150")
    payment_method_replace(payment_method=bad, number="5555 5555 5555 4444", exp_month=12,
                                      exp_year=clock.now().year + 2,
                           holder_name="Bill Billing", actor=billing_admin, cvc="123")
    assert recharge_start(tenant=tenant) is None  # still within the wait after the failure
    clock.advance(seconds=61)
    run_on_commit(recharge_sweep)
    assert list(RechargeAttempt.objects.order_by("id").values_list("status", flat=True)) == [Status.FAILED,
                                                                                             Status.SUCCEEDED]
    recharge = settings_of(tenant)
    assert (recharge.consecutive_failures, recharge.last_failure_reason) == (0, "")
