"""Celery doors of billing notifications (the `emails` queue): deliver one logged email; resend lost ones."""
from celery import shared_task
from django.utils import timezone

from .delivery import MAX_ATTEMPTS, QUEUED_STALE_AFTER, SENDING_LEASE, TRANSIENT_ERRORS, email_deliver
from .selectors import stale_email_ids


@shared_task(bind=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=30, retry_backoff_max=600, retry_jitter=True,
             max_retries=MAX_ATTEMPTS - 1)
def deliver_email(self, email_log_id):
    """Sends EmailLog `email_log_id`; running it twice sends it once. SMTP and connection faults retry with backoff."""
    return email_deliver(email_log_id=email_log_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task
def redeliver_stale_emails():
    """Re-enqueues emails whose delivery task was lost; the claim in email_deliver keeps this from double-sending."""
    ids = stale_email_ids(now=timezone.now(), queued_for=QUEUED_STALE_AFTER, lease=SENDING_LEASE)
    for email_log_id in ids:
        deliver_email.delay(email_log_id)
    return len(ids)
