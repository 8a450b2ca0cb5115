"""Operator views of billing notifications across tenants (Django admin): settings, recipients, the email log."""
from django.contrib import admin

from .models import EmailLog, ExtraRecipient, NotificationSettings


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("tenant", "preferred_language", "attach_invoice_pdf", "low_balance_levels", "disabled_events",
                    "updated_at")
    readonly_fields = ("tenant", "disabled_events", "low_balance_levels", "preferred_language", "attach_invoice_pdf",
                       "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(ExtraRecipient)
class ExtraRecipientAdmin(admin.ModelAdmin):
    list_display = ("email", "tenant", "added_by", "created_at")
    list_filter = ("tenant",)
    search_fields = ("email",)
    readonly_fields = ("tenant", "email", "added_by", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    """Read-only: rows change only through sending and delivery, so the log stays a true record."""

    list_display = ("created_at", "tenant", "to", "subject", "event", "status", "attempts")
    list_filter = ("status", "event", "tenant")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
