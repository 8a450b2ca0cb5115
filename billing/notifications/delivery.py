"""Delivers one logged email through Django's email backend: claimed by a conditional UPDATE, so never sent twice."""
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from .models import EmailLog

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A claimed row whose worker died is claimable again after this; longer than the task's hard time limit.
SENDING_LEASE = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)
# A queued row untouched this long lost its task (broker down at commit, message dropped): the sweep resends.
QUEUED_STALE_AFTER = timedelta(minutes=15)
# SMTPException is an OSError; both are named because connection faults (refused, reset, timeout) are too.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


class DeliveryOutcome:
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    NOT_CLAIMED = "not_claimed"  # already sent or failed, or another worker holds the lease


def describe_error(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in exc.recipients.items())
        return f"The mail server refused the recipient: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The mail server answered {exc.smtp_code}: {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(value):
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def is_permanent(exc):
    """A 5xx answer (unknown mailbox, rejected message) will not change on retry; anything else might."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(500 <= code < 600 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


def _claim(email_log_id, now):
    claimable = Q(status=EmailLog.Status.QUEUED) | Q(status=EmailLog.Status.SENDING, last_attempt_at__lt=now - SENDING_LEASE)
    claimed = (EmailLog.objects.filter(claimable, pk=email_log_id)
               .update(status=EmailLog.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now))
    return EmailLog.objects.get(pk=email_log_id) if claimed else None


def _finish(log, **fields):
    """Records the attempt's result, unless a later claim (after our lease ran out) owns the row now."""
    return (EmailLog.objects.filter(pk=log.pk, status=EmailLog.Status.SENDING, attempts=log.attempts)
            .update(**fields))


class AttachmentUnavailable(OSError):
    """The invoice PDF to attach couldn't be rendered now: a transient fault, retried like a mail server's."""


def _attach_invoice(message, invoice_id):
    from billing.invoices.services import invoice_render_pdf

    try:
        invoice = invoice_render_pdf(invoice_id=invoice_id)
        with invoice.pdf.open("rb") as pdf:
            content = pdf.read()
    except Exception as exc:
        raise AttachmentUnavailable(f"The invoice PDF to attach couldn't be created: {type(exc).__name__}: {exc}") from exc
    message.attach(invoice.pdf_filename, content, "application/pdf")


def _message(log):
    message = EmailMultiAlternatives(
        subject=log.subject, body=log.text_body, from_email=settings.DEFAULT_FROM_EMAIL, to=[log.to],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                 "X-Billing-Notification": log.event},
    )
    message.attach_alternative(log.html_body, "text/html")
    if log.attach_invoice_id:
        _attach_invoice(message, log.attach_invoice_id)
    return message


def email_deliver(*, email_log_id, final_attempt=False):
    """Sends one EmailLog row once. A transient fault is recorded and re-raised for the task to retry,
    unless this is the last attempt, which marks the row failed with the reason."""
    now = timezone.now()
    log = _claim(email_log_id, now)
    if log is None:
        return DeliveryOutcome.NOT_CLAIMED
    try:
        _message(log).send(fail_silently=False)
    except TRANSIENT_ERRORS as exc:
        reason = describe_error(exc)
        if is_permanent(exc) or final_attempt or log.attempts >= MAX_ATTEMPTS:
            if not is_permanent(exc):
                reason = f"Gave up after {log.attempts} attempt{'s' if log.attempts != 1 else ''}. Last error: {reason}"
            _finish(log, status=EmailLog.Status.FAILED, error=reason)
            logger.error("Email %s to %s failed: %s", log.pk, log.to, reason)
            return DeliveryOutcome.FAILED
        _finish(log, status=EmailLog.Status.QUEUED, error=f"Attempt {log.attempts}: {reason}")
        logger.warning("Email %s to %s: attempt %s failed, retrying: %s", log.pk, log.to, log.attempts, reason)
        raise
    _finish(log, status=EmailLog.Status.SENT, sent_at=timezone.now(), error="")
    return DeliveryOutcome.SENT
