"""deliver_email: sends a logged email once, retries SMTP and connection faults with backoff, then gives up."""
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.notifications.delivery import MAX_ATTEMPTS, SENDING_LEASE, email_deliver
from billing.notifications.events import Event
from billing.notifications.models import EmailLog
from billing.notifications.services import notification_send
from billing.notifications.tasks import deliver_email, redeliver_stale_emails

from . import backends


@pytest.fixture
def queued(tenant, billing_admin):
    """One queued email whose delivery has not run (its on_commit callback is never executed here)."""
    result = notification_send(tenant=tenant, event=Event.TEST, context={"sent_by": "Grace Global"}, period_key="t1")
    (row,) = result
    assert row.status == "queued" and not mail.outbox
    return row


def test_the_task_declares_its_retry_policy():
    assert deliver_email.name == "billing.notifications.tasks.deliver_email"
    assert set(deliver_email.autoretry_for) >= {smtplib.SMTPException, OSError}
    assert deliver_email.retry_backoff and deliver_email.retry_backoff_max == 600
    assert deliver_email.max_retries == MAX_ATTEMPTS - 1


def test_running_the_task_twice_sends_one_email(queued):
    assert deliver_email.delay(queued.pk).get() == "sent"
    assert deliver_email.delay(queued.pk).get() == "not_claimed"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["billing@contoso.test"]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.error) == ("sent", 1, "")


def test_the_message_carries_html_and_text_from_the_default_sender(queued, settings):
    deliver_email(queued.pk)
    message = mail.outbox[0]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == queued.subject and message.body == queued.text_body
    assert message.alternatives[0].content == queued.html_body


def test_smtp_errors_are_retried_until_the_server_takes_the_email(queued, flaky_backend, eager_retries):
    deliver_email.delay(queued.pk)
    assert flaky_backend.calls == 3
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.error) == ("sent", 3, "")


def test_after_the_last_retry_the_email_is_marked_failed_with_the_reason(queued, email_backend, eager_retries):
    backend = email_backend(backends.DownBackend)
    deliver_email.delay(queued.pk)
    queued.refresh_from_db()
    assert backend.calls == MAX_ATTEMPTS and queued.attempts == MAX_ATTEMPTS
    assert queued.status == "failed" and queued.sent_at is None
    assert queued.error == (f"Gave up after {MAX_ATTEMPTS} attempts. "
                            "Last error: ConnectionRefusedError: [Errno 111] Connection refused")
    assert not mail.outbox


def test_a_failed_email_is_not_sent_by_a_later_run(queued, email_backend, settings, eager_retries):
    email_backend(backends.DownBackend)
    deliver_email.delay(queued.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_email.delay(queued.pk).get() == "not_claimed"
    assert not mail.outbox


def test_a_permanently_refused_recipient_fails_at_once(queued, email_backend):
    backend = email_backend(backends.MailboxUnknownBackend)
    deliver_email.delay(queued.pk)
    queued.refresh_from_db()
    assert backend.calls == 1 and queued.status == "failed"
    assert queued.error == "The mail server refused the recipient: billing@contoso.test (550 5.1.1 Mailbox unknown)"


def test_a_transient_failure_records_the_error_and_requeues_for_the_retry(queued, flaky_backend):
    with pytest.raises(smtplib.SMTPException):
        email_deliver(email_log_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == "queued" and queued.attempts == 1
    assert queued.error == "Attempt 1: SMTPException: 451 4.3.0 Temporary local problem, try again later"


def test_an_email_another_worker_is_sending_is_left_alone_until_its_lease_runs_out(queued):
    now = timezone.now()
    EmailLog.objects.filter(pk=queued.pk).update(status="sending", attempts=1, last_attempt_at=now - timedelta(minutes=1))
    assert email_deliver(email_log_id=queued.pk) == "not_claimed" and not mail.outbox
    EmailLog.objects.filter(pk=queued.pk).update(last_attempt_at=now - SENDING_LEASE - timedelta(seconds=1))
    assert email_deliver(email_log_id=queued.pk) == "sent"
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 2 and len(mail.outbox) == 1


def test_a_worker_whose_lease_was_taken_over_does_not_overwrite_the_new_claim(queued, monkeypatch):
    """The first worker stalls past its lease; a second claims and sends; the first's late result is dropped."""
    from billing.notifications import delivery

    real_message = delivery._message

    def stalled_message(log):
        # While the first worker is "sending", its lease expires and another worker claims and sends the row.
        EmailLog.objects.filter(pk=log.pk).update(last_attempt_at=timezone.now() - SENDING_LEASE * 2)
        monkeypatch.setattr(delivery, "_message", real_message)
        assert email_deliver(email_log_id=log.pk) == "sent"
        return real_message(log)

    monkeypatch.setattr(delivery, "_message", stalled_message)
    email_deliver(email_log_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 2  # the second claim's row, untouched by the first


def test_the_sweep_resends_emails_whose_task_was_lost_and_leaves_fresh_ones(tenant, billing_admin):
    old = notification_send(tenant=tenant, event=Event.TEST, context={}, period_key="old")[0]
    fresh = notification_send(tenant=tenant, event=Event.TEST, context={}, period_key="fresh")[0]
    EmailLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert redeliver_stale_emails() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "sent" and fresh.status == "queued" and len(mail.outbox) == 1


def test_a_broker_outage_at_commit_leaves_the_row_queued_without_failing_the_caller(tenant, billing_admin, monkeypatch,
                                                                                   django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
    assert result[0].status == "queued" and not mail.outbox
