"""Models of Rating and charging: rate deck versions, their rates, and the generation that tells processes to reload."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from djmoney.models.fields import MoneyField

from ..deckfile import MAX_DESTINATION_LENGTH, MAX_PREFIX_DIGITS, RATE_NUMBER_TYPES, DeckRow
from ..numbers import NumberType

CURRENCY_CHOICES = [("USD", "US Dollar")]


class RateDeckVersion(models.Model):  # type: ignore[django-manager-missing]  # related Rate has djmoney's manager
    """One imported rate deck, in force from `effective_from` (00:00 UTC) until a later version of the same deck.

    `tenant` NULL is the operator's global deck; otherwise the deck is the tenant's own, whose rows override
    the global deck's for that tenant (see `lookup.py`). Versions are never edited: a correction is a new import.
    """

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="rate_deck_versions", help_text="Empty for the operator's global deck")
    name = models.CharField(max_length=100)
    effective_from = models.DateField()
    source_file_name = models.CharField(max_length=255, blank=True)
    row_count = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the rates, blind to order and formatting")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    imported_by_label = models.CharField("imported by", max_length=320)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_from", "-id"]
        indexes = [models.Index(fields=["tenant", "effective_from"])]
        constraints = [
            # NULL tenants never collide in a plain unique index, so the global deck gets its own partial one.
            models.UniqueConstraint(fields=["effective_from", "content_hash"], condition=Q(tenant__isnull=True),
                                    name="rating_unique_global_deck_content_per_date"),
            models.UniqueConstraint(fields=["tenant", "effective_from", "content_hash"],
                                    condition=Q(tenant__isnull=False), name="rating_unique_tenant_deck_content_per_date"),
            models.CheckConstraint(condition=Q(row_count__gt=0), name="rating_deck_version_has_rows"),
        ]

    def __str__(self):
        return f"{self.name} (from {self.effective_from:%Y-%m-%d})"

    @property
    def scope_label(self):
        return "Operator" if self.tenant_id is None else "Your organization"

    @property
    def rates_label(self):
        return f"{self.row_count:,} rate{'s' if self.row_count != 1 else ''}"


class Rate(models.Model):  # type: ignore[django-manager-missing]  # djmoney swaps the manager
    """One row of a deck version: the price of calls to numbers starting with `prefix`."""

    deck_version = models.ForeignKey(RateDeckVersion, on_delete=models.CASCADE, related_name="rates")
    prefix = models.CharField(max_length=MAX_PREFIX_DIGITS, help_text="E.164 digits without '+'")
    destination = models.CharField(max_length=MAX_DESTINATION_LENGTH)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    number_type = models.CharField(max_length=16, choices=[(t.value, t.label) for t in NumberType
                                                           if t.value in RATE_NUMBER_TYPES])
    price_per_minute = MoneyField(max_digits=8, decimal_places=4, default_currency="USD",
                                  currency_choices=CURRENCY_CHOICES)
    connection_fee = MoneyField(max_digits=5, decimal_places=2, default_currency="USD",
                                currency_choices=CURRENCY_CHOICES)
    first_increment = models.PositiveIntegerField(default=60, help_text="Seconds billed first")
    increment = models.PositiveIntegerField(default=60, help_text="Seconds billed after the first increment")

    class Meta:
        ordering = ["prefix"]
        constraints = [
            models.UniqueConstraint(fields=["deck_version", "prefix"], name="rating_unique_prefix_per_deck_version"),
            models.CheckConstraint(condition=~Q(prefix=""), name="rating_rate_prefix_not_empty"),
            models.CheckConstraint(condition=Q(number_type__in=RATE_NUMBER_TYPES), name="rating_rate_number_type_known"),
            models.CheckConstraint(condition=Q(price_per_minute__gte=0), name="rating_rate_price_not_negative"),
            models.CheckConstraint(condition=Q(connection_fee__gte=0), name="rating_rate_connection_fee_not_negative"),
            models.CheckConstraint(condition=Q(price_per_minute_currency="USD", connection_fee_currency="USD"),
                                   name="rating_rate_in_usd"),
            models.CheckConstraint(condition=Q(first_increment__gt=0), name="rating_rate_first_increment_positive"),
            models.CheckConstraint(condition=Q(increment__gt=0), name="rating_rate_increment_positive"),
        ]

    def __str__(self):
        return f"{self.prefix} {self.destination}"

    def as_deck_row(self):
        # MoneyField holds a djmoney Money; the stubs see the DecimalField under it.
        return DeckRow(self.prefix, self.destination, self.country, self.number_type,
                       self.price_per_minute.amount,  # type: ignore[attr-defined]
                       self.connection_fee.amount,  # type: ignore[attr-defined]
                       self.first_increment, self.increment)


class RateDeckGeneration(models.Model):
    """A single row whose token changes with every import, so each process knows when to reload its decks.

    A random token rather than a counter: an import that rolls back must never leave a process holding a
    number that a later, different import reuses.
    """

    token = models.UUIDField(default=uuid.uuid4)
    changed_at = models.DateTimeField(default=timezone.now)

    SINGLETON_ID = 1

    def __str__(self):
        return f"rate decks changed {self.changed_at:%Y-%m-%d %H:%M:%S}"
