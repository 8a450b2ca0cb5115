"""Payment methods, the purchase record of each funding, auto-recharge settings and recommended amounts."""
import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Tenant
from billing.credits.recharge.rule import FIXED, TOP_UP, RechargeRule
from core.dates import date_text
from core.money import money_text

from .ledger import MONEY, CreditAccount, LedgerEntry


class PaymentMethod(models.Model):
    """A tokenised credit card or an Enterprise Agreement invoice arrangement. Never a card number or a CVC."""

    class Kind(models.TextChoices):
        CARD = "card", "Credit card"
        INVOICE = "invoice", "Invoice"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payment_methods")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    brand = models.CharField(max_length=32, blank=True)
    last4 = models.CharField("last four digits", max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    holder_name = models.CharField(max_length=100, blank=True)
    gateway_token = models.CharField(max_length=64, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True,
                                        help_text="The processor's fingerprint of the card number: the same card twice.")
    verification_reference = models.CharField(max_length=64, blank=True,
                                              help_text="The zero-amount authorization that verified the card when added.")
    nickname = models.CharField(max_length=40, blank=True)
    is_default = models.BooleanField("default", default=False)
    agreement_number = models.CharField(max_length=40, blank=True)
    po_number = models.CharField("PO number", max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "created_at"], condition=Q(removed_at__isnull=True),
                                name="payment_method_in_use")]
        constraints = [
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_default=True, removed_at__isnull=True),
                                    name="payment_method_one_default"),
            models.CheckConstraint(
                condition=~Q(kind="card") | (Q(exp_month__gte=1, exp_month__lte=12, exp_year__isnull=False)
                                             & ~Q(gateway_token="") & ~Q(last4="")),
                name="payment_method_card_complete"),
            models.CheckConstraint(condition=~Q(kind="invoice") | ~Q(agreement_number=""),
                                   name="payment_method_invoice_has_agreement"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        if self.kind == self.Kind.CARD:
            return f"{self.brand} •••• {self.last4}"
        po = f", PO {self.po_number}" if self.po_number else ""
        return f"Invoice (agreement {self.agreement_number}{po})"

    @property
    def display_name(self):
        """The label with the nickname the admins gave it, for lists and choices (invoices keep the label)."""
        return f"{self.nickname} ({self.label})" if self.nickname else self.label

    @property
    def badge(self):
        """The short mark shown before the label in lists: VISA, MC, AMEX, DISC or INV."""
        if self.kind != self.Kind.CARD:
            return "INV"
        return {"Mastercard": "MC", "American Express": "AMEX"}.get(self.brand, self.brand[:4].upper())

    @property
    def expiration(self):
        return f"{self.exp_month:02d}/{self.exp_year}" if self.kind == self.Kind.CARD else ""

    def is_expired(self, today: datetime.date | None = None) -> bool:
        if self.kind != self.Kind.CARD:
            return False
        today = today or timezone.localdate()
        return (self.exp_year, self.exp_month) < (today.year, today.month)


class Purchase(models.Model):
    """One successful funding: everything an invoice needs; its lot and ledger entry point back to it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="credit_purchases")
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="purchases")
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in LedgerEntry.CREDIT_KINDS])
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="USD")
    payment_method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, related_name="purchases")
    payment_kind = models.CharField(max_length=10, choices=PaymentMethod.Kind.choices)
    payment_method_label = models.CharField(max_length=100)
    agreement_number = models.CharField(max_length=40, blank=True)
    po_number = models.CharField("PO number", max_length=40, blank=True)
    gateway_charge_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=320)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="purchase_unique_idempotency_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="purchase_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {money_text(self.amount)} on {date_text(self.created_at)}"

    @property
    def ledger_entry(self):
        """The credit this purchase wrote (its lot's entry); refunds of it are further entries naming it."""
        return self.lot.entry


class AutoRechargeSettings(models.Model):
    """What the recharge engine reads: when the available balance is below `trigger_amount`, add `recharge_amount`
    (mode fixed) or what brings the balance up to `target_balance` (mode top_up), never spending more than
    `monthly_cap` on auto-recharge in one calendar month (billing/credits/recharge/rule.py)."""

    class Mode(models.TextChoices):
        FIXED = FIXED, "Add a fixed amount"
        TOP_UP = TOP_UP, "Top up to a target balance"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="auto_recharge")
    enabled = models.BooleanField(default=False)
    mode = models.CharField("when it recharges", max_length=8, choices=Mode.choices, default=Mode.FIXED)
    trigger_amount = models.DecimalField("when balance is below", null=True, blank=True, **MONEY)
    recharge_amount = models.DecimalField("add this amount", null=True, blank=True, **MONEY)
    target_balance = models.DecimalField("top up to", null=True, blank=True, **MONEY)
    monthly_cap = models.DecimalField("monthly limit", null=True, blank=True, **MONEY,
                                      help_text="At most this much auto-recharge a calendar month (UTC); empty: no limit.")
    cap_paused_until = models.DateTimeField(null=True, blank=True,
                                            help_text="The monthly limit stopped a recharge; auto-recharge resumes then.")
    payment_method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    paused = models.BooleanField(default=False, help_text="Set after repeated failed recharges; saving the settings resumes.")
    last_failure_reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name_plural = "auto-recharge settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled=False) | (
                    Q(trigger_amount__gt=0, payment_method__isnull=False)
                    & (Q(mode="fixed", recharge_amount__gt=0) | Q(mode="top_up", target_balance__gt=F("trigger_amount")))),
                name="auto_recharge_on_is_complete"),
            models.CheckConstraint(condition=Q(mode__in=["fixed", "top_up"]), name="auto_recharge_mode_known"),
            models.CheckConstraint(condition=Q(monthly_cap__isnull=True) | Q(monthly_cap__gt=0),
                                   name="auto_recharge_cap_positive"),
        ]

    def __str__(self):
        return f"Auto-recharge of {self.tenant}: {'on' if self.enabled else 'off'}"

    @property
    def rule(self) -> RechargeRule | None:
        """The RechargeRule these settings apply, or None while auto-recharge is off."""
        if not self.enabled:
            return None
        return RechargeRule(trigger=self.trigger_amount, mode=self.mode, amount=self.recharge_amount,  # type: ignore[arg-type]
                            target=self.target_balance, monthly_cap=self.monthly_cap)

    def cap_paused(self, now: datetime.datetime) -> bool:
        return self.cap_paused_until is not None and self.cap_paused_until > now


class RecommendedFunding(models.Model):
    """PRODUCT.md's recommended amounts by number of licensed users; operators edit them in the Django admin."""

    min_users = models.PositiveIntegerField("from licensed users", unique=True)
    max_users = models.PositiveIntegerField("to licensed users", null=True, blank=True, help_text="Empty: no upper limit.")
    one_time_invoice = models.DecimalField("one-time funding, invoice-billed", **MONEY)
    one_time_card = models.DecimalField("one-time funding, credit card", **MONEY)
    trigger_amount = models.DecimalField("trigger (lowest amount)", **MONEY)
    recharge_amount = models.DecimalField("auto-recharge amount", **MONEY)

    class Meta:
        ordering = ["min_users"]
        verbose_name = "recommended funding amount"
        constraints = [models.CheckConstraint(condition=Q(max_users__isnull=True) | Q(max_users__gte=models.F("min_users")),
                                              name="recommended_funding_range")]

    def __str__(self):
        return self.users_label

    @property
    def users_label(self):
        if self.max_users is None:
            return f"More than {self.min_users - 1:,}" if self.min_users else "Any number"
        if self.min_users == 0:
            return f"Fewer than {self.max_users + 1:,}"
        return f"{self.min_users:,} – {self.max_users:,}"
