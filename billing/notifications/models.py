"""Per-tenant notification settings, extra recipients, and the log of every notification email."""
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .events import Event

MAX_EXTRA_RECIPIENTS = 5
MAX_LOW_BALANCE_LEVELS = 3


class NotificationSettings(models.Model):
    """One row per tenant; a tenant without a row has the defaults (every event on, no low-balance levels)."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"

    tenant = models.OneToOneField("accounts.Tenant", on_delete=models.CASCADE, primary_key=True,
                                  related_name="notification_settings")
    # Disabled rather than enabled events are stored, so an event added later starts switched on.
    disabled_events = models.JSONField(default=list, blank=True)
    low_balance_levels = models.JSONField(default=list, blank=True, help_text="Whole US dollars, highest first")
    preferred_language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    attach_invoice_pdf = models.BooleanField("Attach a PDF to your invoice emails", default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.tenant_id}"

    def is_enabled(self, event: str) -> bool:
        return event not in self.disabled_events


class ExtraRecipient(models.Model):
    """An address outside the admin roles that also receives billing notifications (at most five a tenant)."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="extra_recipients")
    email = models.EmailField(max_length=254)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("email"), name="unique_extra_recipient_per_tenant"),
        ]

    def __str__(self):
        return self.email


class Notification(models.Model):
    """One event sent to a tenant for one period; the unique key is what makes sending at most once."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=32, choices=Event.choices)
    period_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event", "period_key"], name="notification_once_per_period"),
        ]

    def __str__(self):
        return f"{self.event} {self.period_key}"


class EmailLog(models.Model):
    """One email to one recipient, with the rendered message kept so admins can read it in the log."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="email_logs")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="emails")
    event = models.CharField(max_length=32, choices=Event.choices)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    html_body = models.TextField(blank=True)
    text_body = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attach_invoice = models.ForeignKey("invoices.Invoice", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", help_text="Its PDF is attached when the email is sent.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "to"], name="one_email_per_recipient"),
            models.CheckConstraint(condition=models.Q(status__in=["queued", "sending", "sent", "failed"]),
                                   name="email_log_status_known"),
            models.CheckConstraint(condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                                   name="sent_email_has_sent_at"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="email_log_tenant_time"),
            models.Index(fields=["status", "last_attempt_at"], name="email_log_status_attempt"),
        ]

    def __str__(self):
        return f"{self.to}: {self.subject}"
