"""Reports > Spend by department: credits spent per group of users (department, office, usage location, job title)
and month, then a group's users, then a user's calls; CSV and XLSX of the first two."""
import io
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.models import User
from accounts.permissions import admin_required
from accounts.roles import Cap
from reporting.periods import DASHBOARD_PRESETS, parse_date_range, preset_range
from reporting.selectors import spend
from reporting.spend_exports import write_spend_csv, write_spend_xlsx

DEFAULT_DAYS = 90
CALLS_PER_PAGE = 50
FORMATS = ("csv", "xlsx")


def _query(by, period, **extra):
    return urlencode({"by": by, **period.as_parameters(), **{k: v for k, v in extra.items() if v}})


def _download(table, *, export, first, name, today):
    filename = f"spend-by-{name}-{today:%Y-%m-%d}.{export}"
    if export == "csv":
        text = io.StringIO()
        write_spend_csv(table, text, first=first)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        data = io.BytesIO()
        write_spend_xlsx(table, data, first=first, title=f"Spend by {name}", created=timezone.now())
        response = HttpResponse(data.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin_required(Cap.CREDITS_DASHBOARD)
def spend_report(request):
    today = timezone.now().date()
    errors = {}
    try:
        period = parse_date_range(request.GET, today=today, presets=DASHBOARD_PRESETS, default=DEFAULT_DAYS)
    except ValidationError as exc:
        errors = {field: " ".join(found) for field, found in exc.message_dict.items()}
        period = preset_range(DEFAULT_DAYS, today=today)
    by = request.GET.get("by") or "department"
    if by not in spend.GROUPINGS:
        errors["by"] = f"Group spend by {', '.join(label.lower() for label, _, _ in spend.GROUPINGS.values())}."
        by = "department"
    export = request.GET.get("format", "")
    if export and export not in FORMATS:
        errors["format"] = "Export as csv or xlsx."
    group, user_id = request.GET.get("group", ""), request.GET.get("user", "")
    tenant = request.tenant
    context = {"period": period, "presets": DASHBOARD_PRESETS, "groupings": spend.GROUPINGS, "by": by, "errors": errors,
               "values": {"range": request.GET.get("range", period.choice), "from": request.GET.get("from", ""),
                          "to": request.GET.get("to", "")},
               "base_query": _query(by, period), "group": group}
    if group == spend.SERVICE:
        raise Http404("Calls of service numbers have no users to list.")
    if group and user_id:
        try:
            person = get_object_or_404(User, pk=user_id, tenant=tenant)
        except ValidationError:
            raise Http404("No such user.") from None
        calls = spend.charged_calls_of(tenant=tenant, period=period, user=person)
        context.update({"level": "calls", "person": person, "group_label": spend.group_label(by, group),
                        "group_query": _query(by, period, group=group),
                        "page": Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page")),
                        "usage_report_query": urlencode({"report": "usage", "range": "custom",
                                                         "from": period.first_day.isoformat(),
                                                         "to": period.last_day.isoformat(), "username": person.upn}),
                        "can_read_reports": request.user.can(Cap.REPORTS_READ)})
    elif group:
        table = spend.spend_by_user(tenant=tenant, period=period, by=by, key=group)
        if export and not errors:
            return _download(table, export=export, first="Username", name=f"{by}-users", today=today)
        context.update({"level": "users", "table": table, "group_label": spend.group_label(by, group),
                        "group_query": _query(by, period, group=group)})
    else:
        table = spend.spend_by_group(tenant=tenant, period=period, by=by)
        if export and not errors:
            return _download(table, export=export, first=spend.GROUPINGS[by][0], name=by, today=today)
        context.update({"level": "groups", "table": table})
    return render(request, "reporting/spend.html", context, status=400 if errors else 200)
