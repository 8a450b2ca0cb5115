"""Operator console: invoices are read-only there; the one action records a payment received for a due invoice."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from .models import Invoice, InvoiceLine
from .services import invoice_record_payment


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ("position", "description", "detail", "quantity", "unit_price", "amount")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("display_number", "tenant", "kind", "issue_date", "total", "currency", "payment_status")
    list_filter = ("kind", "payment_status")
    search_fields = ("tenant__name", "reference", "po_number")
    list_select_related = ("tenant",)
    inlines = [InvoiceLineInline]
    actions = ["record_payment"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Record payment received (invoices due against the agreement/PO)")
    def record_payment(self, request, queryset):
        for invoice in queryset:
            try:
                invoice_record_payment(invoice=invoice, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)
            else:
                self.message_user(request, f"{invoice}: payment recorded.")
