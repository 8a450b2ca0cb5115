"""Catalogue (products, service plans, entitlements), subscriptions with their quantity ledger, license assignments."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from djmoney.models.fields import MoneyField


class ServicePlan(models.Model):
    """One service inside a product (Graph `servicePlans`), with what it entitles a user to.

    Calling products use their SKU part number as the plan name (MCOEV, MCOPSTN1, ...), so rating and
    reports can name a plan the way the admin centre's "Capability" column does.
    """

    id = models.UUIDField("service plan id", primary_key=True, default=uuid.uuid4)
    name = models.CharField("service plan name", max_length=64, unique=True)
    friendly_name = models.CharField(max_length=200)
    applies_to = models.CharField(max_length=16, default="User")
    service = models.CharField(max_length=64, blank=True,
                               help_text="The service it runs in, as Graph's assignedPlans name it (e.g. exchange)")
    domestic_minutes = models.PositiveIntegerField(
        "domestic minutes per user per month", default=0,
        help_text="Outbound domestic minutes in countries without a row below.")
    international_minutes = models.PositiveIntegerField("international minutes per user per month", default=0)
    dial_out_minutes = models.PositiveIntegerField("conferencing dial-out minutes per license per month", default=0)
    pooled = models.BooleanField(
        default=True, help_text="Minutes of users with the same plan in the same country form one tenant pool.")
    requires_any_of = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by",
        help_text="A user holding this plan must also hold at least one of these plans (enabled).")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.friendly_name} ({self.name})"


class ServicePlanCountryMinutes(models.Model):
    """Domestic minutes of a plan in one country when they differ from the plan's default."""

    service_plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="country_minutes")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 usage location")
    minutes = models.PositiveIntegerField("domestic minutes per user per month")

    class Meta:
        ordering = ["service_plan", "country"]
        constraints = [models.UniqueConstraint(fields=["service_plan", "country"], name="unique_plan_country_minutes")]
        verbose_name_plural = "service plan country minutes"

    def __str__(self):
        return f"{self.service_plan.name} {self.country}: {self.minutes}"


class Product(models.Model):  # type: ignore[django-manager-missing]  # djmoney swaps the manager
    """A SKU tenants subscribe to (Graph `subscribedSku`), made of service plans."""

    id = models.UUIDField("SKU id", primary_key=True, default=uuid.uuid4)
    sku_part_number = models.CharField("SKU part number", max_length=64, unique=True)
    name = models.CharField(max_length=200)
    applies_to = models.CharField(max_length=16, default="User")
    service_plans = models.ManyToManyField(ServicePlan, related_name="products")
    list_price = MoneyField("list price per license per month", max_digits=10, decimal_places=2,
                            default_currency="USD", default=0)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Subscription(models.Model):  # type: ignore[django-manager-missing]  # djmoney swaps the manager
    """A tenant's subscription to one product: the licenses it bought and may assign."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        DISABLED = "disabled", "Disabled"
        DELETED = "deleted", "Deleted"

    # Graph's capabilityStatus for each admin-centre status.
    CAPABILITY_STATUS = {
        Status.ACTIVE: "Enabled",
        Status.EXPIRED: "Warning",
        Status.DISABLED: "Suspended",
        Status.DELETED: "Deleted",
    }

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="subscriptions")
    enabled_units = models.PositiveIntegerField(default=0)
    warning_units = models.PositiveIntegerField(default=0)
    suspended_units = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(default=timezone.localdate)
    renewal_date = models.DateField(null=True, blank=True)
    price = MoneyField("price per license per month", max_digits=10, decimal_places=2, default_currency="USD",
                       default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product__sort_order", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "product"], name="unique_subscription_per_product"),
            models.CheckConstraint(condition=Q(price__gte=0), name="subscription_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.tenant} – {self.product}"

    @property
    def total_units(self):
        """Licenses that may be assigned: enabled plus those in their grace (warning) period."""
        return self.enabled_units + self.warning_units

    @property
    def capability_status(self):
        return self.CAPABILITY_STATUS[self.Status(self.status)]


class QuantityChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The subscription quantity ledger is append-only.")

    def delete(self):
        raise TypeError("The subscription quantity ledger is append-only.")


class SubscriptionQuantityChange(models.Model):
    """Append-only ledger of licenses bought and removed; a subscription's enabled units are its sum."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="quantity_changes")
    delta = models.IntegerField()
    quantity_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=128, unique=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_label = models.CharField(max_length=320)
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuantityChangeQuerySet.as_manager()

    class Meta:
        ordering = ["subscription", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="quantity_change_not_zero")]

    def __str__(self):
        return f"{self.subscription}: {self.delta:+d} → {self.quantity_after}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The subscription quantity ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The subscription quantity ledger is append-only.")


class LicenseAssignment(models.Model):
    """One product license assigned to one user."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="license_assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="license_assignments")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product__sort_order", "product__name"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="unique_license_per_user_product")]
        indexes = [models.Index(fields=["tenant", "product"])]

    def __str__(self):
        return f"{self.user_id}: {self.product_id}"


class AssignedPlan(models.Model):
    """A service plan a user receives through an assignment, enabled or switched off by an admin.

    Rows are written when the license is assigned (from the product's plans at that time), so a plan
    toggle is one row, and "who holds MCOPSTN1 in GB" is one indexed query.
    """

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assigned_plans")
    assignment = models.ForeignKey(LicenseAssignment, on_delete=models.CASCADE, related_name="plans")
    service_plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["service_plan__name"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "service_plan"], name="unique_plan_per_assignment"),
        ]
        indexes = [models.Index(fields=["tenant", "service_plan", "enabled"])]

    def __str__(self):
        return f"{self.user_id}: {self.service_plan_id} ({'on' if self.enabled else 'off'})"
