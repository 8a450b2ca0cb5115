"""The built-in test-mode gateway's own store: its card vault (no full number, no CVC) and idempotent charges."""
from django.db import models
from django.utils import timezone

from .ledger import MONEY


class GatewayCard(models.Model):
    """What the test gateway remembers of a tokenised card: enough to answer charges, never the number."""

    token = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=32)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=32, help_text="What charges on this test card do (succeeded or a decline code).")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.brand} •••• {self.last4} ({self.outcome})"


class GatewayCharge(models.Model):
    """One charge attempt, kept under its idempotency key: a repeated key answers with this first result."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        DECLINED = "declined", "Declined"

    idempotency_key = models.CharField(max_length=255, unique=True)
    request_fingerprint = models.CharField(max_length=64)
    reference = models.CharField(max_length=64, unique=True)
    token = models.CharField(max_length=64)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices)
    decline_code = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.reference} {self.amount} {self.status}"


class GatewayRefund(models.Model):
    idempotency_key = models.CharField(max_length=255, unique=True)
    charge = models.ForeignKey(GatewayCharge, on_delete=models.PROTECT, related_name="refunds")
    reference = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.reference} {self.amount}"
