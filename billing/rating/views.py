"""Billing > Rates: deck versions in effect and scheduled, a number's rate, CSV export.

Prices are the operator's: tenant-specific decks are imported by the operator alone (the Django admin's Import
rates, `import_rates --tenant`); a tenant's admins read them here and cannot change them."""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.permissions import admin_required
from accounts.roles import Cap

from .deckfile import write_deck
from .numbers import InvalidNumber, parse_number
from .selectors import (
    deck_rows_in_effect,
    deck_version_rows,
    deck_versions_for_page,
    deck_versions_visible_to,
    rate_for,
    today_utc,
)


@admin_required(Cap.BILLING_READ)
def rates(request):
    return _rates_page(request)


@admin_required(Cap.BILLING_READ)
def rates_export(request):
    """The rates that apply to the organization now: the operator's deck with its own rows in their place."""
    today = today_utc()
    return csv_response(deck_rows_in_effect(tenant=request.tenant), f"rates-in-effect-{today:%Y-%m-%d}.csv")


@admin_required(Cap.BILLING_READ)
def rates_export_version(request, version_id):
    version = get_object_or_404(deck_versions_visible_to(request.tenant), pk=version_id)
    return csv_response(deck_version_rows(version=version), f"rates-{version.effective_from:%Y-%m-%d}-v{version.pk}.csv")


def csv_response(rows, filename):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_deck(rows, response)
    return response


def _rates_page(request, status=200):
    show_all = request.GET.get("show") == "all"
    context = {
        "lines": deck_versions_for_page(tenant=request.tenant, today=today_utc(), include_past=show_all),
        "show_all": show_all,
        "lookup": _lookup(request),
    }
    return render(request, "rating/rates.html", context, status=status)


def _lookup(request):
    query = request.GET.get("number", "").strip()
    if not query:
        return None
    try:
        number = parse_number(query)
    except InvalidNumber as exc:
        return {"query": query, "error": exc.message}
    return {"query": query, "number": number, "match": rate_for(tenant=request.tenant, number=number, at=timezone.now())}
