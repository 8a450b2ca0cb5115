"""Email backends that fail the way mail servers do, for the delivery-task tests (set as EMAIL_BACKEND)."""
import smtplib

from django.core.mail.backends import locmem


class FlakyBackend(locmem.EmailBackend):
    """Raises SMTPException on the first `failures` sends, then delivers into mail.outbox like locmem."""

    failures = 2
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPException("451 4.3.0 Temporary local problem, try again later")
        return super().send_messages(messages)


class DownBackend(locmem.EmailBackend):
    """A mail server that never answers."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        raise ConnectionRefusedError(111, "Connection refused")


class MailboxUnknownBackend(locmem.EmailBackend):
    """A mail server that permanently refuses the recipient (550)."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"5.1.1 Mailbox unknown")})
