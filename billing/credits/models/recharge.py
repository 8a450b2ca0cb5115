"""One auto-recharge attempt: stored pending before the card is charged, then succeeded, failed or canceled."""
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Tenant

from .ledger import MONEY
from .payments import PaymentMethod, Purchase


def new_recharge_key():
    return f"auto-recharge-{uuid.uuid4().hex}"


class RechargeAttempt(models.Model):
    """The engine's record of one recharge. Its idempotency key is the one the gateway charge carries, so a
    retried or redelivered task charges the card once. While no charge has been sent (`charge_requested_at`
    empty) the attempt follows the current settings; from then on its amount and payment method are fixed."""

    class Status(models.TextChoices):
        PENDING = "pending", "In progress"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="recharge_attempts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(**MONEY)
    trigger_amount = models.DecimalField(**MONEY)
    available_at_start = models.DecimalField("available balance when it started", **MONEY)
    payment_method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, related_name="+")
    payment_method_label = models.CharField(max_length=100)
    idempotency_key = models.CharField(max_length=100, unique=True, default=new_recharge_key)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it failed or was canceled, in the admin's words.")
    decline_code = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it; others wait for the lease.")
    claims = models.PositiveSmallIntegerField(default=0, help_text="More than one: a worker was lost mid-charge.")
    charge_requested_at = models.DateTimeField(null=True, blank=True)
    purchase = models.OneToOneField(Purchase, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="recharge_attempt")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    retry_at = models.DateTimeField(null=True, blank=True, help_text="A failure's backoff: no new attempt before this.")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="recharge_tenant_newest")]
        constraints = [
            models.UniqueConstraint(fields=["tenant"], condition=Q(status="pending"), name="recharge_one_pending_per_tenant"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recharge_amount_positive"),
            models.CheckConstraint(condition=Q(status="pending", finished_at__isnull=True)
                                   | (~Q(status="pending") & Q(finished_at__isnull=False)),
                                   name="recharge_finished_unless_pending"),
            models.CheckConstraint(condition=~Q(status="succeeded") | Q(purchase__isnull=False, invoice__isnull=False),
                                   name="recharge_succeeded_has_purchase"),
            models.CheckConstraint(condition=Q(status="succeeded") | Q(purchase__isnull=True),
                                   name="recharge_purchase_only_when_succeeded"),
        ]

    def __str__(self):
        return f"Recharge {self.pk} of {self.tenant_id}: ${self.amount:,.2f} {self.status}"
