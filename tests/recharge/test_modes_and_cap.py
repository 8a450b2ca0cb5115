"""Auto-recharge modes (a fixed amount, or a top-up to a target balance) and the monthly cap: the recharge that would
pass it is not made, auto-recharge pauses until the next month, and the admins get one email."""
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import AutoRechargeSettings, GatewayCharge, Purchase, RechargeAttempt
from billing.credits.recharge.rule import next_month_start
from billing.credits.services import (
    auto_recharge_update,
    credits_add_funds,
    credits_debit,
    recharge_process,
    recharge_start,
    recharge_sweep,
)
from billing.notifications.models import EmailLog

Status = RechargeAttempt.Status
D = Decimal

pytestmark = pytest.mark.dates


@pytest.fixture
def settle(clock):
    """Keeps the test's recharges in one calendar month whatever the start instant."""
    return clock.settle()


@pytest.fixture
def turn_on(tenant, card, billing_admin, run_on_commit):
    def save(**changes):
        values = {"enabled": True, "trigger_amount": 200, "recharge_amount": 500, "payment_method": card,
                  "actor": billing_admin, **changes}
        return run_on_commit(auto_recharge_update, tenant=tenant, **values)

    return save


def balance(tenant):
    tenant.credit_account.refresh_from_db()
    return tenant.credit_account.balance


def recharged(tenant):
    return list(Purchase.objects.filter(tenant=tenant, kind="recharge").order_by("id").values_list("amount", flat=True))


def test_top_up_mode_adds_what_brings_the_balance_to_the_target_rounded_up_to_whole_dollars(
        tenant, card, billing_admin, fund_without_recharge, turn_on, debit, admins):
    fund_without_recharge(300)
    turn_on(mode="top_up", recharge_amount="", target_balance=800)
    debit("150.40")  # available $149.60: $800 - $149.60 = $650.40, so $651
    attempt = RechargeAttempt.objects.get()
    assert (attempt.status, attempt.amount, attempt.available_at_start) == (Status.SUCCEEDED, D("651.00"), D("149.60"))
    assert balance(tenant) == D("800.60")
    assert ledger_problems() == []


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"mode": "top_up", "target_balance": 249}, "target_balance", "Top up to at least $250"),
    ({"mode": "top_up", "target_balance": ""}, "target_balance", "whole number greater than or equal to 50"),
    ({"monthly_cap": 499}, "monthly_cap", "at least one recharge: $500 or more"),
    ({"mode": "top_up", "target_balance": 800, "monthly_cap": 700}, "monthly_cap", "$800 or more"),
    ({"monthly_cap": "12.5"}, "monthly_cap", "whole number"),
    ({"mode": "weekly"}, "mode", "Choose Add a fixed amount or Top up to a target balance."),
])
def test_bad_modes_targets_and_limits_are_refused_naming_the_field(tenant, turn_on, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        turn_on(**changes)
    assert message in " ".join(caught.value.message_dict[field])
    assert not AutoRechargeSettings.objects.exists()


def test_a_blank_limit_is_no_limit_and_the_unused_amount_keeps_its_stored_value(tenant, turn_on):
    turn_on(monthly_cap=1000)
    settings = turn_on(mode="top_up", recharge_amount="", target_balance=900, monthly_cap="")
    assert (settings.mode, settings.recharge_amount, settings.target_balance, settings.monthly_cap) == (
        "top_up", D("500.00"), D("900.00"), None)
    newest = AuditLog.objects.filter(action="credits.auto_recharge").order_by("-created_at").first()
    assert (newest.before["monthly_cap"], newest.after["monthly_cap"]) == ("1000.00", None)


def test_the_recharge_that_would_pass_the_monthly_limit_pauses_auto_recharge_and_emails_once(
        tenant, settle, fund_without_recharge, turn_on, debit, admins):
    fund_without_recharge(300)
    turn_on(monthly_cap=1000)
    debit("150")  # $150: recharge 1 ($500, $500 this month)
    debit("500")  # $150: recharge 2 ($1,000 this month: the limit, allowed)
    assert recharged(tenant) == [D("500.00"), D("500.00")] and balance(tenant) == D("650.00")
    debit("500")  # $150: a third $500 would make $1,500
    assert recharged(tenant) == [D("500.00"), D("500.00")] and balance(tenant) == D("150.00")
    settings = AutoRechargeSettings.objects.get(tenant=tenant)
    assert settings.cap_paused_until == next_month_start(settle)
    emails = EmailLog.objects.filter(event="auto_recharge_capped")
    assert sorted(emails.values_list("to", flat=True)) == sorted(a.email for a in admins)
    message = next(m for m in mail.outbox if "monthly limit" in m.subject)
    assert "reached its monthly limit of $1,000" in message.subject
    assert "$1,000.00" in message.body and "Recharge not made: $500.00" in message.body
    audit = AuditLog.objects.get(action="credits.auto_recharge_capped")
    assert audit.after["spent_this_month"] == "1000.00" and audit.after["recharge_amount"] == "500.00"
    debit("10")  # still below the trigger: no attempt, no second email
    assert recharge_start(tenant=tenant) is None and recharge_sweep()["started"] == 0
    assert RechargeAttempt.objects.count() == 2 and emails.count() == len(admins)


def test_the_pause_lifts_with_the_next_month_and_the_sweep_recharges(tenant, clock, settle, fund_without_recharge,
                                                                     turn_on, debit, admins):
    fund_without_recharge(300)
    turn_on(recharge_amount=500, monthly_cap=500)
    debit("150")
    debit("500")  # the second $500 would pass the $500 limit
    assert recharged(tenant) == [D("500.00")]
    clock.move_to(next_month_start(settle))
    assert recharge_sweep()["started"] == 1  # eager: the task starts and charges it
    assert recharged(tenant) == [D("500.00"), D("500.00")] and balance(tenant) == D("650.00")


def test_saving_the_settings_resumes_at_once_under_a_higher_limit(tenant, settle, fund_without_recharge, turn_on, debit):
    fund_without_recharge(300)
    turn_on(monthly_cap=500)
    debit("150")
    debit("500")
    assert AutoRechargeSettings.objects.get(tenant=tenant).cap_paused_until is not None
    turn_on(monthly_cap=1000)  # saving recharges at once: the balance is below the trigger
    assert AutoRechargeSettings.objects.get(tenant=tenant).cap_paused_until is None
    assert recharged(tenant) == [D("500.00"), D("500.00")]


def test_a_limit_lowered_while_a_recharge_waits_cancels_it_before_the_card_is_charged(
        tenant, card, billing_admin, settle, fund_without_recharge, turn_on, debit, django_capture_on_commit_callbacks):
    fund_without_recharge(300)
    turn_on()
    debit("150")  # recharge 1: $500 this month, balance $650
    credits_debit(tenant=tenant, amount=D("500"), call_id="big")  # $150, its recharge not run yet
    attempt = recharge_start(tenant=tenant)
    assert (attempt.status, attempt.amount) == (Status.PENDING, D("500.00"))
    with django_capture_on_commit_callbacks(execute=False):
        turn_on(monthly_cap=500)
    done = recharge_process(attempt_id=attempt.pk)
    assert done.status == Status.CANCELED
    assert done.reason == "This month's auto-recharge limit of $500 was reached before the card was charged. Nothing was charged."
    assert recharged(tenant) == [D("500.00")] and balance(tenant) == D("150.00")
    assert not GatewayCharge.objects.filter(idempotency_key__contains=attempt.idempotency_key).exists()
    assert AutoRechargeSettings.objects.get(tenant=tenant).cap_paused_until == next_month_start(settle)


def test_one_time_purchases_do_not_count_against_the_auto_recharge_limit(tenant, card, billing_admin, settle,
                                                                         fund_without_recharge, turn_on, debit):
    fund_without_recharge(300)
    turn_on(monthly_cap=500)
    credits_add_funds(tenant=tenant, amount=2000, payment_method=card, idempotency_key="big", actor=billing_admin)
    debit("2150")  # $150 left: the month's first recharge
    assert recharged(tenant) == [D("500.00")]


def test_the_page_says_auto_recharge_is_paused_by_the_limit_and_what_was_recharged(
        tenant, settle, fund_without_recharge, turn_on, debit, client_as, billing_admin):
    fund_without_recharge(300)
    turn_on(monthly_cap=500)
    debit("150")
    debit("500")
    page = client_as(billing_admin).get("/billing/credits/").content.decode()
    assert 'data-testid="recharge-capped"' in page and "reached your monthly limit of $500" in page
    assert "$500 <span class=\"muted\">($500.00 recharged this month)</span>" in page
    assert '<span class="badge bad">Paused</span>' in page
