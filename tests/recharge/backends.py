"""An email backend that refuses one mailbox the way a mail server does (550), delivering the rest to mail.outbox."""
import smtplib

from django.core.mail.backends import locmem

REFUSED = "payables@contoso.test"


class RefusesOneMailbox(locmem.EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.to:
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"5.1.1 Mailbox unknown")})
        return super().send_messages(messages)
