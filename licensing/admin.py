"""Operator views: the product catalogue (editable), subscriptions and their quantity ledger (read-only)."""
from django.contrib import admin

from accounts.admin import LicenseHoldersDeleteMixin

from .models import (
    LicenseAssignment,
    Product,
    ServicePlan,
    ServicePlanCountryMinutes,
    Subscription,
    SubscriptionQuantityChange,
)


class CountryMinutesInline(admin.TabularInline):
    model = ServicePlanCountryMinutes
    extra = 0


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin):
    list_display = ("name", "friendly_name", "domestic_minutes", "international_minutes", "dial_out_minutes", "pooled")
    search_fields = ("name", "friendly_name")
    filter_horizontal = ("requires_any_of",)
    inlines = [CountryMinutesInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku_part_number", "id", "list_price", "sort_order")
    search_fields = ("name", "sku_part_number")
    filter_horizontal = ("service_plans",)


class QuantityChangeInline(admin.TabularInline):
    model = SubscriptionQuantityChange
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "delta", "quantity_after", "reason", "actor_label", "idempotency_key")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Quantities change only through the ledger (Billing > Your products or the API), never here."""

    list_display = ("tenant", "product", "enabled_units", "warning_units", "suspended_units", "status", "price",
                    "renewal_date")
    list_filter = ("tenant", "status", "product")
    readonly_fields = ("enabled_units",)
    inlines = [QuantityChangeInline]


@admin.register(LicenseAssignment)
class LicenseAssignmentAdmin(LicenseHoldersDeleteMixin, admin.ModelAdmin):
    list_display = ("user", "product", "tenant", "assigned_at")
    list_filter = ("tenant", "product")
    search_fields = ("user__upn", "user__display_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
