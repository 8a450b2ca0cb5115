"""The credit account, its append-only ledger, the lots that hold its money, and call reservations."""
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Tenant
from core.money import MONEY_DIGITS

MONEY = MONEY_DIGITS


class AppendOnlyError(TypeError):
    """Raised on any attempt to change or remove a ledger entry."""


class CreditAccount(models.Model):
    """One per tenant. `balance` is a cache of the ledger's sum, proven by `manage.py check_ledger`."""

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="credit_account")
    currency = models.CharField(max_length=3, default="USD")
    balance = models.DecimalField(default=0, **MONEY)
    created_at = models.DateTimeField(default=timezone.now)
    # Raised by one each time the account lock is taken (billing/credits/lock_objects.py): a read that takes the
    # lock in its own statement compares it with what its snapshot saw, to know whether anything changed between.
    lock_version = models.BigIntegerField(default=0, editable=False)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="credit_account_balance_not_negative")]

    def __str__(self):
        return f"{self.tenant} credits"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The credits ledger is append-only.")

    def delete(self):
        raise AppendOnlyError("The credits ledger is append-only.")


class LedgerEntry(models.Model):
    """One change of a balance. Credits are positive, debits negative; the balance is their running sum."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        RECHARGE = "recharge", "Auto-recharge"
        CALL_CHARGE = "call_charge", "Call charge"
        TOLL_FREE_CHARGE = "toll_free_charge", "Toll-free charge"
        EXPIRY = "expiry", "Expired funds"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Operator adjustment"

    CREDIT_KINDS = (Kind.PURCHASE, Kind.RECHARGE)
    CHARGE_KINDS = (Kind.CALL_CHARGE, Kind.TOLL_FREE_CHARGE)
    DEBIT_KINDS = (Kind.CALL_CHARGE, Kind.TOLL_FREE_CHARGE, Kind.EXPIRY, Kind.REFUND)

    # Indexed by ledger_account_newest (account first): a second index on the account alone would only cost writes.
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    # purchase, lot and actor: indexed only where set (ledger_purchase, ledger_lot, ledger_actor), so a call's
    # charge, which names none of them, writes three index entries fewer.
    purchase = models.ForeignKey("billing.Purchase", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="ledger_entries", db_index=False)
    lot = models.ForeignKey("billing.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            db_index=False, help_text="The lot an expiry or refund took its money from.")
    call_id = models.CharField(max_length=128, blank=True)
    reference = models.CharField(max_length=64, blank=True, help_text="Invoice or other external reference.")
    memo = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              db_index=False)
    actor_label = models.CharField(max_length=320)
    created_at = models.DateTimeField(default=timezone.now)
    chain_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of this entry's content and the "
                                  "previous entry's hash in the account (billing/credits/chain.py).")

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["account", "-id"], name="ledger_account_newest"),
            models.Index(fields=["account", "kind", "-created_at"], name="ledger_account_kind_time"),
            models.Index(fields=["purchase"], condition=Q(purchase__isnull=False), name="ledger_purchase"),
            models.Index(fields=["lot"], condition=Q(lot__isnull=False), name="ledger_lot"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="ledger_actor"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="ledger_unique_idempotency_key"),
            models.UniqueConstraint(fields=["account", "call_id"], condition=Q(kind__in=["call_charge", "toll_free_charge"]),
                                    name="ledger_unique_call_charge"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_after_not_negative"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(condition=~Q(kind__in=["purchase", "recharge"]) | Q(amount__gt=0),
                                   name="ledger_credits_positive"),
            models.CheckConstraint(condition=~Q(kind__in=["call_charge", "toll_free_charge", "expiry", "refund"])
                                   | Q(amount__lt=0), name="ledger_debits_negative"),
            models.CheckConstraint(condition=~Q(kind__in=["call_charge", "toll_free_charge"]) | ~Q(call_id=""),
                                   name="ledger_charge_has_call_id"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.idempotency_key})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The credits ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The credits ledger is append-only.")

    @property
    def is_credit(self):
        return self.amount > 0


class Lot(models.Model):
    """The money of one credit (a purchase, recharge or positive adjustment), spent first in, first out."""

    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="lots")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="created_lot")
    purchase = models.OneToOneField("billing.Purchase", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="lot")
    amount = models.DecimalField(**MONEY)
    remaining = models.DecimalField(**MONEY)
    purchased_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    expired_at = models.DateTimeField(null=True, blank=True)
    # remaining > 0, kept by the database. The funded lots' indexes name this column, not `remaining`, so spending
    # part of a lot changes no indexed column and PostgreSQL updates the row in place (a HOT update) instead of
    # adding an entry to each of the lot's indexes for every call charged.
    funded = models.GeneratedField(expression=Q(remaining__gt=0),  # type: ignore[arg-type]  # a Q resolves to one
                                   output_field=models.BooleanField(), db_persist=True)

    class Meta:
        ordering = ["purchased_at", "id"]
        indexes = [
            models.Index(fields=["account", "purchased_at", "id"], condition=Q(funded=True), name="lot_funded_fifo"),
            models.Index(fields=["expires_at"], condition=Q(funded=True), name="lot_funded_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lot_amount_positive"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="lot_remaining_not_negative"),
            models.CheckConstraint(condition=Q(remaining__lte=F("amount")), name="lot_remaining_within_amount"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("purchased_at")), name="lot_expires_after_purchase"),
        ]

    def __str__(self):
        return f"Lot {self.pk}: {self.remaining} of {self.amount}, expires {self.expires_at:%Y-%m-%d}"

    def status(self, now=None):
        now = now or timezone.now()
        if self.expired_at is not None or (self.remaining > 0 and self.expires_at <= now):
            return "Expired"
        return "Used" if self.remaining == 0 else "Available"


class Reservation(models.Model):
    """Part of the available balance held for a call in progress until released, converted or expired."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        RELEASED = "released", "Released"
        CONVERTED = "converted", "Charged"
        EXPIRED = "expired", "Expired"

    # Indexed by reservation_unique_call (account first).
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="reservations", db_index=False)
    call_id = models.CharField(max_length=128)
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="reservation")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "expires_at"], condition=Q(status="held"), name="reservation_held")]
        constraints = [
            models.UniqueConstraint(fields=["account", "call_id"], name="reservation_unique_call"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="reservation_amount_positive"),
            models.CheckConstraint(condition=~Q(status="converted") | Q(entry__isnull=False),
                                   name="reservation_converted_has_entry"),
        ]

    def __str__(self):
        return f"Reservation {self.call_id}: {self.amount} ({self.status})"

    def is_holding(self, now=None):
        return self.status == self.Status.HELD and self.expires_at > (now or timezone.now())
