"""Reports > PSTN usage: the report picker, and the usage details, minute pools and blocked users reports.

Everything is a GET of one page with the run's parameters in the query string, so a report can be bookmarked
and works without JavaScript; Edit columns and Export to Excel open as side panels (?panel=...).
"""
from datetime import date
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django_countries import countries

from accounts.permissions import admin_required
from accounts.roles import Cap
from billing.rating.models import CallType, Capability, DestinationContext
from reporting.columns import DEFAULT_PAGE_COLUMNS, PAGE_COLUMNS
from reporting.models import ExportJob
from reporting.parameters import DEFAULT_SORT, FILTER_FIELDS, REPORTS, SORTABLE, parse_report, parse_usage_parameters
from reporting.periods import REPORT_PRESETS, parse_date_range, preset_range
from reporting.selectors import blocked as blocked_selectors
from reporting.selectors import pools as pool_selectors
from reporting.selectors import usage as usage_selectors

PANELS = ("columns", "export")
RECENT_EXPORTS = 5


def _messages(exc):
    return {field: " ".join(found) for field, found in exc.message_dict.items()}


def _values(data):
    """What the form fields show: the values as given, so a wrong one can be corrected in place."""
    values = {name: data.get(name, "") for name in ("report", "range", "from", "to", "month", *FILTER_FIELDS)}
    values["range"] = values["range"] or "28"
    return values


def _common(request, report, errors):
    return {
        "report": report,
        "reports": REPORTS,
        "report_label": REPORTS[report],
        "presets": REPORT_PRESETS,
        "values": _values(request.GET),
        "errors": errors,
        "call_types": CallType.choices,
        "contexts": DestinationContext.choices,
        "capabilities": Capability.choices,
        "countries": list(countries),
    }


FILTER_LABELS = {"username": "Username", "call_type": "Call type", "context": "Domestic/International",
                 "country": "Country or region", "capability": "Capability", "spend_limit": "Spend limit"}


def filter_labels(filters):
    """[(label, value)] of the filters in use, as the page names them."""
    return [(label, getattr(filters, name)) for name, label in FILTER_LABELS.items() if getattr(filters, name)]


def _sort_label(parameters):
    key = parameters.sort.lstrip("-")
    if key == "timestamp":
        return "newest first" if parameters.sort_descending else "oldest first"
    label = PAGE_COLUMNS[key].label.lower() if key not in ("display_name",) else "display name"
    return f"by {label}, {'largest' if parameters.sort_descending else 'smallest'} first" if key in ("charge", "duration") \
        else f"by {label}, {'Z to A' if parameters.sort_descending else 'A to Z'}"


def _usage_context(request, parameters, panel):
    tenant = request.tenant
    page = usage_selectors.pstn_usage_page(tenant=tenant, parameters=parameters, after=request.GET.get("after", ""),
                                           before=request.GET.get("before", ""))
    columns = [(key, PAGE_COLUMNS[key]) for key in parameters.columns]
    rows = [[(column.text(row), column.numeric) for _, column in columns] for row in page.rows]
    query_items = parameters.query_items()
    unsorted = [(name, value) for name, value in query_items if name != "sort"]
    headings = []
    for key, column in columns:
        heading = {"key": key, "column": column, "aria_sort": None, "url": None}
        if key in SORTABLE:
            now = "descending" if parameters.sort == f"-{key}" else "ascending" if parameters.sort == key else None
            # A first click sorts text A to Z and times, charges and durations from the largest.
            first = f"-{key}" if key in ("timestamp", "charge", "duration") else key
            target = first if now is None else (key if now == "descending" else f"-{key}")
            heading.update(aria_sort=now, url="?" + urlencode(
                unsorted + ([("sort", target)] if target != DEFAULT_SORT else [])))
        headings.append(heading)
    return {
        "parameters": parameters,
        "totals": usage_selectors.pstn_usage_totals(tenant=tenant, parameters=parameters),
        "page": page,
        "columns": columns,
        "headings": headings,
        "sort_label": _sort_label(parameters),
        "rows": rows,
        "run_query": urlencode(query_items),
        "hidden_items": [(name, value) for name, value in query_items if name != "col"],
        "columns_reset_query": urlencode([(name, value) for name, value in query_items if name != "col"]),
        "all_columns": PAGE_COLUMNS,
        "default_columns": DEFAULT_PAGE_COLUMNS,
        "panel": panel,
        "export_formats": ExportJob.Format.choices,
        "filter_labels": filter_labels(parameters.filters),
        "recent_exports": list(ExportJob.objects.filter(tenant=tenant, requested_by=request.user)
                               .order_by("-created_at")[:RECENT_EXPORTS]) if panel == "export" else [],
    }


def usage_page(request, *, data, panel=None, extra_errors=None, status=200):
    """Renders the usage details report for the run described by `data` (a query string or a posted form)."""
    context = _common(request, "usage", dict(extra_errors or {}))
    context["values"] = _values(data)
    try:
        parameters = parse_usage_parameters(data, tenant=request.tenant, today=timezone.now().date())
        context.update(_usage_context(request, parameters, panel))
    except ValidationError as exc:
        context["errors"].update(_messages(exc))
    if context["errors"]:
        status = 400
    return render(request, "reporting/pstn_usage.html", context, status=status)


def _month_choice(raw, months):
    if not raw:
        return months[0], None
    try:
        month = date.fromisoformat(f"{raw}-01")
    except ValueError:
        return months[0], f"'{raw}' is not a month; use the form YYYY-MM."
    if month not in months:
        return months[0], f"There are no minute pools for {raw}; choose a month from the list."
    return month, None


def _pools_page(request):
    today = timezone.now().date()
    months = pool_selectors.pool_months(tenant=request.tenant, today=today)
    month, error = _month_choice((request.GET.get("month") or "").strip(), months)
    context = _common(request, "pools", {"month": error} if error else {})
    context.update({"months": months, "month": month, "is_current_month": month == months[0],
                    "pools": pool_selectors.minute_pools(tenant=request.tenant, month=month,
                                                         include_unused=month == months[0])})
    return render(request, "reporting/pstn_usage.html", context, status=400 if error else 200)


def _blocked_page(request):
    now = timezone.now()
    errors = {}
    try:
        period = parse_date_range(request.GET, today=now.date())
    except ValidationError as exc:
        errors = _messages(exc)
        period = preset_range(28, today=now.date())
    context = _common(request, "blocked", errors)
    context.update({"period": period, "blocked": blocked_selectors.blocked_users(tenant=request.tenant, now=now),
                    "attempts": blocked_selectors.blocked_attempts(tenant=request.tenant, start=period.start_at,
                                                                   end=period.end_at),
                    "attempts_limit": blocked_selectors.ATTEMPTS_SHOWN})
    return render(request, "reporting/pstn_usage.html", context, status=400 if errors else 200)


@admin_required(Cap.REPORTS_READ)
def pstn_usage(request):
    try:
        report = parse_report(request.GET)
    except ValidationError as exc:
        return render(request, "reporting/pstn_usage.html", _common(request, "usage", _messages(exc)), status=400)
    if report == "pools":
        return _pools_page(request)
    if report == "blocked":
        return _blocked_page(request)
    panel = request.GET.get("panel")
    return usage_page(request, data=request.GET, panel=panel if panel in PANELS else None)
