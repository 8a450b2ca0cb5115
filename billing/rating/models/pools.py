"""Minute pools per calendar month and the append-only rows of minutes taken from them."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MinutePool(models.Model):
    """The included outbound minutes of one month shared by a tenant's users of one plan in one country.

    `capacity_minutes` follows the licenses assigned when the pool was last used (the service recomputes
    it at every call); `used_minutes` is the sum of the pool's MinutePoolUsage rows (checked by
    `selectors.minute_pool_discrepancies`); `held_minutes` are promised to calls still in progress.
    US and Puerto Rico share the pool whose country is US; conferencing dial-out pools have no country.
    """

    class Kind(models.TextChoices):
        DOMESTIC = "domestic", "Domestic calling"
        INTERNATIONAL = "international", "International calling"
        PER_USER = "per_user", "Domestic calling (per user)"
        CONFERENCING = "conferencing", "Audio Conferencing dial-out"

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="minute_pools")
    month = models.DateField(help_text="First day of the calendar month (UTC)")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    plan = models.CharField(max_length=32, help_text="Service plan (SKU part number) whose licenses fill the pool")
    country = models.CharField(max_length=2, blank=True, help_text="Usage location the pool serves; US also serves PR")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", help_text="Only for plans that are not pooled (MCOPSTN8)")
    capacity_minutes = models.PositiveIntegerField(default=0)
    used_minutes = models.PositiveIntegerField(default=0)
    held_minutes = models.PositiveIntegerField(default=0)
    notified_80_at = models.DateTimeField(null=True, blank=True)
    notified_100_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "kind", "plan", "country"]
        indexes = [models.Index(fields=["tenant", "month"], name="rating_pool_tenant_month")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "month", "kind", "plan", "country"], condition=Q(user__isnull=True),
                                    name="rating_pool_unique_shared"),
            models.UniqueConstraint(fields=["tenant", "month", "kind", "plan", "user"], condition=Q(user__isnull=False),
                                    name="rating_pool_unique_per_user"),
            models.CheckConstraint(condition=Q(kind="per_user") | Q(user__isnull=True), name="rating_pool_user_only_per_user"),
            models.CheckConstraint(condition=Q(held_minutes__gte=0, used_minutes__gte=0), name="rating_pool_counts_not_negative"),
        ]

    def __str__(self):
        where = self.country or "all countries"
        return f"{self.plan} {self.get_kind_display()} {where} {self.month:%Y-%m}"

    @property
    def available_minutes(self):
        return max(0, self.capacity_minutes - self.used_minutes - self.held_minutes)

    @property
    def remaining_minutes(self):
        """Minutes left for the report: capacity less minutes used (calls in progress not counted)."""
        return max(0, self.capacity_minutes - self.used_minutes)


class MinutePoolUsage(models.Model):
    """Minutes one rated call took from one pool: append-only, the proof of `MinutePool.used_minutes`."""

    # Tenant and user repeat the pool's and the call record's (both constrained) for reports by tenant and
    # user; unconstrained, a bulk import checks two keys per row instead of four. Tenant and pool lead the two
    # indexes below, which serve their lookups: no index of their own.
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_constraint=False,
                               db_index=False)
    pool = models.ForeignKey(MinutePool, on_delete=models.CASCADE, related_name="usages", db_index=False)
    # Unconstrained for the partitioned call records (see CallAuthorization.call_record); archiving a month of calls
    # keeps the usage rows, which prove the pools' used minutes.
    call_record = models.OneToOneField("rating.CallRecord", on_delete=models.CASCADE, related_name="pool_usage",
                                       db_constraint=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_constraint=False)
    minutes = models.PositiveIntegerField()
    used_at = models.DateTimeField(help_text="Start of the call")

    class Meta:
        indexes = [models.Index(fields=["pool", "used_at"], name="rating_pool_usage_pool_time"),
                   models.Index(fields=["tenant", "used_at"], name="rating_pool_usage_tenant_time")]
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="rating_pool_usage_minutes_positive")]

    def __str__(self):
        return f"{self.minutes} min from pool {self.pool_id}"

