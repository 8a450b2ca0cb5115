"""The demo seed: Contoso's settings and a few real emails built from its own records, and a second run changes
nothing."""
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

from django.core import mail

from billing.credits.models import Purchase
from billing.credits.services import (
    auto_recharge_update,
    credits_add_funds,
    credits_debit,
    payment_method_add_card,
)
from billing.invoices.models import Invoice
from billing.notifications import demo
from billing.notifications.models import EmailLog, ExtraRecipient, Notification, NotificationSettings
from billing.notifications.services import notification_settings_update


def test_the_seed_sets_defaults_and_sends_each_demo_email_once(tenant, global_admin, billing_admin,
                                                                django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(tenant=tenant, stdout=out)
    preferences = NotificationSettings.objects.get(tenant=tenant)
    assert preferences.low_balance_levels == [2000, 1000] and preferences.attach_invoice_pdf
    assert list(ExtraRecipient.objects.values_list("email", flat=True)) == [demo.EXTRA_RECIPIENT]
    # A tenant with no credits yet: only the test email has anything true to say.
    assert list(Notification.objects.values_list("event", flat=True)) == ["test"]
    assert EmailLog.objects.filter(status="sent").count() == 3 == len(mail.outbox)
    assert "3 demo emails queued" in out.getvalue()

    notification_settings_update(tenant=tenant, actor=global_admin, low_balance_levels=["750"])
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(tenant=tenant, stdout=out)
    assert NotificationSettings.objects.get(tenant=tenant).low_balance_levels == [750]  # the admin's choice stays
    assert EmailLog.objects.count() == 3 and len(mail.outbox) == 3


def test_demo_emails_cite_the_tenants_own_invoice_balance_and_expiry(tenant, billing_admin, clock):
    card = payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12, exp_year=2030,
                                   cvc="123", holder_name="Bill Billing", actor=billing_admin)
    clock.at(2025, 9, 1, 12)
    credits_add_funds(tenant=tenant, amount=2500, payment_method=card, idempotency_key="first", actor=billing_admin)
    clock.at(2026, 6, 17, 9, 30)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=1000, recharge_amount=2000, payment_method=card,
                         actor=billing_admin)
    credits_add_funds(tenant=tenant, amount=2000, payment_method=card, idempotency_key="recharge-1",
                      actor=None, kind="recharge", at=datetime(2026, 6, 17, 9, tzinfo=UTC))
    credits_debit(tenant=tenant, amount=Decimal("2600"), call_id="a-big-month")  # 4,500 -> 1,900: below $2,000
    emails = {event: context for event, _, context in demo.demo_emails(tenant)}
    recharge = Purchase.objects.get(kind="recharge")
    invoice = Invoice.objects.get(reference=f"purchase:{recharge.pk}")
    assert emails["recharge_succeeded"]["invoice_number"] == invoice.display_number
    assert emails["recharge_succeeded"]["new_balance"] == Decimal("4500.00")
    assert emails["low_balance"] == {"balance": Decimal("1900.00"), "level": 2000}
    # The call spent the first purchase (oldest first) and $100 of the recharge: the recharge expires next.
    assert emails["funds_expiring"] == {"amount": Decimal("1900.00"), "expires_on": datetime(2027, 6, 17).date(),
                                        "balance": Decimal("1900.00")}
    assert "G054820731" not in str(emails) and "2985.40" not in str(emails)
