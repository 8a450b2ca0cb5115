"""Reports > Communications Credits: balance over time, daily spend, spend by country, user and department, and the
forecast."""
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import admin_required
from accounts.roles import Cap
from reporting.periods import DASHBOARD_PRESETS, parse_date_range, preset_range
from reporting.selectors import credits as dashboard
from reporting.selectors import spend

DEFAULT_DAYS = 90
DEPARTMENTS_SHOWN = 8


def _chart_data(balance, daily, countries, users):
    """What the charts draw; amounts stay decimal strings (Chart.js reads numeric strings)."""
    return {
        "balance": {"labels": [f"{day:%b %d}" for day, _ in balance], "values": [str(value) for _, value in balance]},
        "daily": {"labels": [f"{row.day:%b %d}" for row in daily], "calls": [str(row.calls) for row in daily],
                  "tollFree": [str(row.toll_free) for row in daily]},
        "countries": {"labels": [row.label for row in countries], "values": [str(row.amount) for row in countries]},
        "users": {"labels": [row.label for row in users], "values": [str(row.amount) for row in users]},
    }


@admin_required(Cap.CREDITS_DASHBOARD)
def credits_dashboard(request):
    now = timezone.now()
    errors = {}
    try:
        period = parse_date_range(request.GET, today=now.date(), presets=DASHBOARD_PRESETS, default=DEFAULT_DAYS)
    except ValidationError as exc:
        errors = {field: " ".join(messages) for field, messages in exc.message_dict.items()}
        period = preset_range(DEFAULT_DAYS, today=now.date())
    tenant = request.tenant
    balance = dashboard.balance_by_day(tenant=tenant, period=period)
    daily = dashboard.spend_by_day(tenant=tenant, period=period)
    countries = dashboard.spend_by_country(tenant=tenant, period=period)
    users = dashboard.spend_by_user(tenant=tenant, period=period)
    context = {
        "period": period,
        "presets": DASHBOARD_PRESETS,
        "values": {"range": request.GET.get("range", period.choice), "from": request.GET.get("from", ""),
                   "to": request.GET.get("to", "")},
        "errors": errors,
        "balance_series": balance,
        "daily": daily,
        "daily_total": sum((row.total for row in daily), dashboard.ZERO),
        "countries": countries,
        "users": users,
        "forecast": dashboard.credits_forecast(tenant=tenant, now=now),
        "chart_data": _chart_data(balance, daily, countries, users),
        # Spend by department, each one a way into its users and their calls (Reports > Spend by department).
        "departments": spend.spend_by_group(tenant=tenant, period=period, by="department").rows[:DEPARTMENTS_SHOWN],
        "spend_query": urlencode({"by": "department", **period.as_parameters()}),
    }
    return render(request, "reporting/credits_dashboard.html", context, status=400 if errors else 200)
