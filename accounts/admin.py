"""Operator views across tenants (Django admin, superusers only)."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ApiToken, AuditLog, Tenant, User, UserRole
from .services import tenant_licenses_changed


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "initial_domain", "country", "billing_country", "billing_account_kind", "created_at")
    search_fields = ("name", "initial_domain")
    list_filter = ("billing_account_kind", "country")


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


class LicenseHoldersDeleteMixin(admin.ModelAdmin):
    """For admins whose deletions remove license holders (users, license assignments): the tenant's licenses
    changed, so pool capacity counts move on (accounts.services.tenant_licenses_changed)."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        tenant_licenses_changed(tenant_id=obj.tenant_id)

    def delete_queryset(self, request, queryset):
        tenants = set(queryset.values_list("tenant_id", flat=True))
        super().delete_queryset(request, queryset)
        for tenant_id in tenants:
            tenant_licenses_changed(tenant_id=tenant_id)


@admin.register(User)
class UserAdmin(LicenseHoldersDeleteMixin, DjangoUserAdmin):
    ordering = ("upn",)
    list_display = ("upn", "display_name", "tenant", "usage_location", "sign_in_allowed", "is_staff")
    list_filter = ("tenant", "sign_in_allowed", "is_staff")
    search_fields = ("upn", "display_name")
    inlines = [UserRoleInline]
    fieldsets = (
        (None, {"fields": ("upn", "password", "tenant")}),
        ("Profile", {"fields": ("display_name", "first_name", "last_name", "usage_location", "phone_number",
                                "department", "job_title", "office_location")}),
        ("Access", {"fields": ("sign_in_allowed", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("upn", "display_name", "tenant", "password1", "password2")}),)
    filter_horizontal = ()

    # An operator's edit can move a licensed user: the tenant's license holders changed.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "usage_location" in form.changed_data:
            tenant_licenses_changed(tenant_id=obj.tenant_id)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "tenant", "actor_label", "action", "target_label")
    list_filter = ("tenant", "action")
    search_fields = ("actor_label", "target_label", "action")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "tenant", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("tenant",)
    readonly_fields = ("prefix", "token_hash")
