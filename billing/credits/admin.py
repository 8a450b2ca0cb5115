"""Operator views of Communications Credits (Django admin): recommended amounts are editable, money is read-only."""
from django.contrib import admin

from .models import (
    AutoRechargeSettings,
    CreditAccount,
    LedgerEntry,
    Lot,
    PaymentMethod,
    Purchase,
    RecommendedFunding,
    Reservation,
)


@admin.register(RecommendedFunding)
class RecommendedFundingAdmin(admin.ModelAdmin):
    list_display = ("users_label", "min_users", "max_users", "one_time_card", "one_time_invoice", "trigger_amount",
                    "recharge_amount")
    list_editable = ("one_time_card", "one_time_invoice", "trigger_amount", "recharge_amount")
    list_display_links = ("users_label",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money changes only through the services (refund, adjustment commands), never by editing rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "balance", "currency", "created_at")
    search_fields = ("tenant__name", "tenant__initial_domain")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "account", "kind", "amount", "balance_after", "call_id", "actor_label")
    list_filter = ("kind",)
    search_fields = ("account__tenant__name", "call_id", "idempotency_key")
    list_select_related = ("account__tenant",)


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("account", "amount", "remaining", "purchased_at", "expires_at", "expired_at")
    list_select_related = ("account__tenant",)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("account", "call_id", "amount", "status", "expires_at")
    list_filter = ("status",)
    list_select_related = ("account__tenant",)


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "tenant", "kind", "amount", "payment_method_label", "po_number", "actor_label")
    list_filter = ("kind", "payment_kind")
    search_fields = ("tenant__name", "idempotency_key", "po_number")
    list_select_related = ("tenant",)


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "label", "expiration", "created_at", "removed_at")
    list_select_related = ("tenant",)


@admin.register(AutoRechargeSettings)
class AutoRechargeSettingsAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "enabled", "trigger_amount", "recharge_amount", "consecutive_failures", "paused")
    list_select_related = ("tenant",)
