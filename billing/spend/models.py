"""Calling policies: the tenant's (spend limits on or off, the default monthly limit per user, the slice a call holds)
and a user's override of the limit (Teams' EnableSpendLimits and CallingSpendUserLimit, PRODUCT.md)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.money import DecimalDigits

MONEY: DecimalDigits = {"max_digits": 12, "decimal_places": 2}


def default_slice_minutes():
    return settings.SPEND_SLICE_MINUTES


class CallingPolicy(models.Model):
    """A tenant's calling policy. No row means the defaults: spend limits off, slices of SPEND_SLICE_MINUTES."""

    tenant = models.OneToOneField("accounts.Tenant", on_delete=models.CASCADE, related_name="calling_policy")
    enable_spend_limits = models.BooleanField("Enable calling plans spend limit", default=False)
    # US dollars a user's calls may cost in a calendar month (None: no default limit, only users' own limits apply).
    user_spend_limit = models.DecimalField(null=True, blank=True, **MONEY)
    # A call paid from credits holds at most this many minutes of its rate at a time, then asks for more (extend).
    slice_minutes = models.PositiveSmallIntegerField(default=default_slice_minutes)
    # The destination policy of users who have none of their own (None: nothing blocked).
    destination_policy = models.ForeignKey("DestinationPolicy", on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+")
    # A day's spend to one country above this multiple of its 28-day daily average raises `spend.anomaly`.
    anomaly_multiple = models.PositiveSmallIntegerField(default=5)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "calling policies"
        constraints = [
            models.CheckConstraint(condition=Q(user_spend_limit__isnull=True) | Q(user_spend_limit__gte=0),
                                   name="calling_policy_limit_not_negative"),
            models.CheckConstraint(condition=Q(slice_minutes__gte=1), name="calling_policy_slice_positive"),
        ]

    def __str__(self):
        return f"Calling policy of {self.tenant_id}"


class DestinationPolicy(models.Model):
    """A named policy assigned to users (like Teams' calling policies): where they may not call, and how many calls
    they may have at once."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="destination_policies")
    name = models.CharField(max_length=64)
    blocked_countries = models.CharField(max_length=1000, blank=True)  # ISO 3166 codes, comma-separated, sorted
    blocked_number_types = models.CharField(max_length=200, blank=True)  # rate number types, comma-separated
    max_concurrent_calls = models.PositiveSmallIntegerField(null=True, blank=True)  # per user; None: no limit
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="destination_policy_name_once"),
            models.CheckConstraint(condition=Q(max_concurrent_calls__isnull=True) | Q(max_concurrent_calls__gte=1),
                                   name="destination_policy_concurrency_positive"),
        ]

    def __str__(self):
        return self.name

    def country_list(self):
        return [c for c in self.blocked_countries.split(",") if c]

    def number_type_list(self):
        return [t for t in self.blocked_number_types.split(",") if t]


class UserCallingPolicy(models.Model):
    """A user's own monthly spend limit, which overrides the tenant's default when spend limits are on, and the
    destination policy assigned to the user."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="user_calling_policies")
    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="calling_policy")
    spend_limit = models.DecimalField(null=True, blank=True, **MONEY)
    destination_policy = models.ForeignKey(DestinationPolicy, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="users")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(spend_limit__isnull=True) | Q(spend_limit__gte=0),
                                              name="user_calling_policy_limit_ok")]

    def __str__(self):
        return f"{self.user_id}: ${self.spend_limit}"
