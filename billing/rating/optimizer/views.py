"""Billing > License optimizer: the cheapest license mix for the calls of the last 30 or 90 days, its CSV, and the
what-if of one user (opened from the user's panel on Active users). Billing admins (and Global admins)."""
import io
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import User
from accounts.permissions import admin_required
from accounts.roles import Cap
from core.validation import country_name

from ..selectors import today_utc
from .exports import write_report_csv
from .inputs import WINDOWS, clean_days
from .mixes import NotAvailable
from .search import WHAT_IF_OPTIONS
from .selectors import license_optimizer_report, license_what_if

DEFAULT_DAYS = 90


def _days(request, errors):
    try:
        return clean_days(request.GET.get("days"))
    except ValidationError as exc:
        errors.update({field: " ".join(found) for field, found in exc.message_dict.items()})
        return DEFAULT_DAYS


@admin_required(Cap.BILLING_READ)
def license_optimizer(request):
    errors: dict[str, str] = {}
    days = _days(request, errors)
    report = license_optimizer_report(tenant=request.tenant, days=days, today=today_utc())
    return render(request, "rating/license_optimizer.html", {
        "report": report, "days": days, "windows": WINDOWS, "errors": errors,
        "csv_url": f"{reverse('rating:license_optimizer_csv')}?{urlencode({'days': days})}",
    }, status=400 if errors else 200)


@admin_required(Cap.BILLING_READ)
def license_optimizer_csv(request):
    errors: dict[str, str] = {}
    days = _days(request, errors)
    if errors:
        return HttpResponseBadRequest(" ".join(errors.values()), content_type="text/plain; charset=utf-8")
    today = today_utc()
    buffer = io.StringIO()
    write_report_csv(license_optimizer_report(tenant=request.tenant, days=days, today=today), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="license-optimizer-{days}-days-{today:%Y-%m-%d}.csv"'
    return response


@admin_required(Cap.BILLING_READ)
def license_what_if_page(request, user_id):
    person = get_object_or_404(User, pk=user_id, tenant=request.tenant)
    errors: dict[str, str] = {}
    days = _days(request, errors)
    option = request.GET.get("option", "")
    found = problem = None
    if option and option not in WHAT_IF_OPTIONS:
        errors["option"] = "Choose one of the licenses in the list."
    elif option:
        try:
            found = license_what_if(tenant=request.tenant, user=person, option=option, days=days, today=today_utc())
        except NotAvailable as exc:
            problem = str(exc)
    return render(request, "rating/license_what_if.html", {
        "person": person, "location_name": country_name(person.usage_location), "options": WHAT_IF_OPTIONS.items(),
        "option": option, "days": days, "windows": WINDOWS, "errors": errors, "found": found, "problem": problem,
    }, status=400 if errors or problem else 200)
