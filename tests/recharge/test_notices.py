"""Balance emails: zero once per time it reaches zero, each low-balance level when crossed, funds expiring once a lot."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from billing.credits.models import Lot
from billing.credits.services import credits_add_funds, credits_debit, credits_reserve
from billing.credits.services.expiry_notices import funds_expiring_notify
from billing.credits.tasks import notify_expiring_funds
from billing.notifications.models import EmailLog
from billing.notifications.services import notification_settings_update
from core.dates import date_text


def sent(event):
    return list(EmailLog.objects.filter(event=event).order_by("created_at", "id"))


def test_reaching_zero_emails_once_per_time_the_balance_reaches_zero(tenant, fund_without_recharge, card, billing_admin,
                                                                    debit, admins):
    fund_without_recharge(10)
    debit("4")
    assert not sent("balance_zero")
    debit("6")
    first = sent("balance_zero")
    assert len(first) == 2 and "Auto-recharge: Off" in first[0].text_body
    assert {m.to[0] for m in mail.outbox} == {a.email for a in admins}
    credits_add_funds(tenant=tenant, amount=5, payment_method=card, idempotency_key="top-up", actor=billing_admin)
    debit("5")
    assert len(sent("balance_zero")) == 4  # a second time at zero: a second email to each admin


def test_low_balance_levels_email_each_level_crossed_once_per_crossing(tenant, fund_without_recharge, card, billing_admin,
                                                                      debit, admins):
    notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=["100", "50"])
    fund_without_recharge(120)
    debit("10")
    assert not sent("low_balance")
    debit("80")  # $110 to $30: below $100 and below $50 in one step
    rows = sent("low_balance")
    assert len(rows) == 4
    assert {("$100" in r.text_body, "$50" in r.text_body) for r in rows} == {(True, False), (False, True)}
    debit("1")
    assert len(sent("low_balance")) == 4  # already below both
    credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="top-up", actor=billing_admin)
    debit("30")  # $129 to $99: $100 crossed again
    assert len(sent("low_balance")) == 6


def test_holds_start_recharges_but_send_no_balance_emails(tenant, fund_without_recharge, billing_admin, run_on_commit,
                                                         admins):
    notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=["100"])
    fund_without_recharge(120)
    run_on_commit(credits_reserve, tenant=tenant, amount=Decimal("120"), call_id="live")
    assert not EmailLog.objects.exclude(event="purchase_succeeded").exists()  # the purchase's receipt only


def test_a_rolled_back_debit_sends_no_email(tenant, fund_without_recharge, django_capture_on_commit_callbacks, admins):
    fund_without_recharge(10)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            credits_debit(tenant=tenant, amount=Decimal("10"), call_id="c1")
            raise RuntimeError("rolled back")
    assert not EmailLog.objects.exclude(event="purchase_succeeded").exists()
    assert not [m for m in mail.outbox if m.extra_headers["X-Billing-Notification"] != "purchase_succeeded"]


def test_funds_expiring_within_30_days_are_announced_once_per_lot(tenant, card, billing_admin, clock, run_on_commit,
                                                                 admins):
    year_ago = clock.now() - timedelta(days=340)
    old = credits_add_funds(tenant=tenant, amount=300, payment_method=card, idempotency_key="old", actor=billing_admin,
                            at=year_ago).purchase
    credits_add_funds(tenant=tenant, amount=200, payment_method=card, idempotency_key="new", actor=billing_admin)
    assert run_on_commit(funds_expiring_notify) == 1
    assert run_on_commit(notify_expiring_funds.apply).result == {"lots": 0}  # the daily task again: nothing new
    rows = sent("funds_expiring")
    assert len(rows) == 2 and {r.to for r in rows} == {a.email for a in admins}
    expires_on = Lot.objects.get(purchase=old).expires_at
    assert "$300.00" in rows[0].text_body and date_text(expires_on) in rows[0].text_body
    assert "$500.00" in rows[0].text_body  # the balance, as a fact
    credits_debit(tenant=tenant, amount=Decimal("300"), call_id="spends-the-old-lot")
    clock.advance(days=340)  # the newer lot is now within 30 days of expiry; the spent one has nothing left
    assert run_on_commit(funds_expiring_notify) == 1
    assert len(sent("funds_expiring")) == 4


def test_the_notice_window_is_a_setting(tenant, card, billing_admin, settings, admins):
    credits_add_funds(tenant=tenant, amount=300, payment_method=card, idempotency_key="k", actor=billing_admin)
    settings.CREDITS_EXPIRY_NOTICE_DAYS = 400
    assert funds_expiring_notify() == 1
