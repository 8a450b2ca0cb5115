"""Operator views of rate decks (Django admin): versions and rates read-only, import and export through the services."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .deckfile import DeckFileInvalid
from .forms import OperatorRateUploadForm
from .models import Rate, RateDeckVersion
from .selectors import deck_version_rows
from .services import rate_deck_import
from .views import csv_response


class ReadOnlyAdmin(admin.ModelAdmin):
    """Deck versions are immutable: a correction is a new import, so nobody edits or deletes rows here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RateDeckVersion)
class RateDeckVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "deck", "effective_from", "rates", "imported_by_label", "imported_at", "export_link")
    list_filter = (("tenant", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "source_file_name", "tenant__name", "tenant__initial_domain")
    list_select_related = ("tenant",)
    date_hierarchy = "effective_from"
    change_list_template = "rating/admin/deck_version_change_list.html"

    @admin.display(description="Deck", ordering="tenant__name")
    def deck(self, obj):
        return obj.tenant.name if obj.tenant_id else "Global"

    @admin.display(description="Rates", ordering="row_count")
    def rates(self, obj):
        return obj.row_count

    @admin.display(description="Export")
    def export_link(self, obj):
        return format_html('<a href="{}">CSV</a>', reverse("admin:rating_ratedeckversion_export", args=[obj.pk]))

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="rating_ratedeckversion_import"),
            path("<int:version_id>/export/", self.admin_site.admin_view(self.export_view),
                 name="rating_ratedeckversion_export"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.is_superuser:  # operators; staff accounts only read
            raise PermissionDenied("Only operators (superusers) import rate decks.")
        problems = []
        form = OperatorRateUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                version = rate_deck_import(content=data["file"].read(), effective_from=data["effective_from"],
                                           tenant=data["tenant"], name=data["name"],
                                           source_file_name=data["file"].name, actor=request.user)
            except DeckFileInvalid as exc:
                problems = exc.messages
                form.add_error("file", exc.summary)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"Imported {version.rates_label} as '{version.name}', effective "
                                           f"{version.effective_from:%Y-%m-%d}.", messages.SUCCESS)
                return redirect("admin:rating_ratedeckversion_changelist")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "problems": problems, "title": "Import rates"}
        return TemplateResponse(request, "rating/admin/import_rates.html", context)

    def export_view(self, request, version_id):
        version = get_object_or_404(RateDeckVersion, pk=version_id)
        return csv_response(deck_version_rows(version=version),
                            f"rates-{version.effective_from:%Y-%m-%d}-v{version.pk}.csv")


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "destination", "country", "number_type", "price_per_minute", "connection_fee",
                    "first_increment", "increment", "deck_version")
    list_filter = ("number_type", ("deck_version", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=prefix", "destination", "=country")
    list_select_related = ("deck_version",)

