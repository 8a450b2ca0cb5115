"""Factories of the notifications app's rows (emails written straight to the log, for list-page tests)."""
import factory
from django.utils import timezone

from billing.notifications.events import Event
from billing.notifications.models import EmailLog, ExtraRecipient, Notification
from tests.factories import TenantFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    tenant = factory.SubFactory(TenantFactory)
    event = Event.TEST
    period_key = factory.Sequence(lambda n: f"period-{n}")


class EmailLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailLog

    notification = factory.SubFactory(NotificationFactory)
    tenant = factory.SelfAttribute("notification.tenant")
    event = factory.SelfAttribute("notification.event")
    to = factory.Sequence(lambda n: f"person{n}@example.com")
    subject = factory.Sequence(lambda n: f"Test email {n}")
    html_body = "<p>Hello</p>"
    text_body = "Hello"
    status = EmailLog.Status.SENT
    attempts = 1
    sent_at = factory.LazyFunction(timezone.now)


class ExtraRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtraRecipient

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"extra{n}@example.com")
