"""The demo seed: Contoso's settings and a few real emails, and a second run changes nothing."""
from io import StringIO

from django.core import mail

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
    assert Notification.objects.count() == len(demo.DEMO_EMAILS)
    assert EmailLog.objects.filter(status="sent").count() == 3 * len(demo.DEMO_EMAILS) == len(mail.outbox)
    assert "15 demo emails queued" in out.getvalue()

    notification_settings_update(tenant=tenant, actor=global_admin, low_balance_levels=["750"])
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(tenant=tenant, stdout=out)
    assert NotificationSettings.objects.get(tenant=tenant).low_balance_levels == [750]  # the admin's choice stays
    assert EmailLog.objects.count() == 15 and len(mail.outbox) == 15
