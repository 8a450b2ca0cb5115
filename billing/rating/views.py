"""Billing > Rates: deck versions in effect and scheduled, a number's rate, CSV upload and export."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.permissions import admin_required
from accounts.roles import Cap

from .deckfile import DeckFileInvalid, write_deck
from .forms import RateUploadForm
from .numbers import InvalidNumber, parse_number
from .selectors import (
    deck_rows_in_effect,
    deck_version_rows,
    deck_versions_for_page,
    deck_versions_visible_to,
    rate_for,
    today_utc,
)
from .services import rate_deck_import


@admin_required(Cap.BILLING_READ)
def rates(request):
    return _rates_page(request, RateUploadForm(), panel_open=False)


@admin_required(Cap.BILLING_MANAGE)
def rates_upload(request):
    if request.method != "POST":
        return _rates_page(request, RateUploadForm(), panel_open=True)
    form = RateUploadForm(request.POST, request.FILES)
    problems = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = rate_deck_import(content=data["file"].read(), effective_from=data["effective_from"],
                                       tenant=request.tenant, name=data["name"], source_file_name=data["file"].name,
                                       actor=request.user)
        except DeckFileInvalid as exc:
            problems = exc.messages
            form.add_error("file", exc.summary)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Imported {version.rates_label} as '{version.name}'. They apply to calls from "
                                      f"{version.effective_from:%b %-d, %Y} (UTC).")
            return redirect("rating:rates")
    return _rates_page(request, form, panel_open=True, problems=problems, status=400)


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


def _rates_page(request, form, *, panel_open, problems=(), status=200):
    show_all = request.GET.get("show") == "all"
    context = {
        "lines": deck_versions_for_page(tenant=request.tenant, today=today_utc(), include_past=show_all),
        "show_all": show_all,
        "lookup": _lookup(request),
        "form": form,
        "panel_open": panel_open,
        "problems": problems,
        "can_upload": request.user.can(Cap.BILLING_MANAGE),
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
