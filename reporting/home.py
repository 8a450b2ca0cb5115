"""Home card of Reports: this month's PSTN calls, minutes and charges, with a link to the usage report."""
from datetime import UTC, datetime

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Cap

from .selectors.usage import ZERO, pstn_calls


def cards(request):
    if not request.user.can(Cap.REPORTS_READ):
        return []
    now = timezone.now()
    month_start = datetime(now.year, now.month, 1, tzinfo=UTC)
    found = pstn_calls(tenant=request.tenant, start=month_start, end=now).aggregate(
        calls=Count("id"), seconds=Sum("duration_seconds"), charge=Sum("charge"))
    minutes = (found["seconds"] or 0) // 60
    report = reverse("reporting:pstn_usage")
    links = [("PSTN usage report", report), ("Minute pools", f"{report}?report=pools"),
             ("Blocked users", f"{report}?report=blocked")]
    if request.user.can(Cap.CREDITS_DASHBOARD):
        links.append(("Credits dashboard", reverse("reporting:credits_dashboard")))
    return [{
        "title": "PSTN usage",
        "icon": "reports",
        "figures": [("Minutes this month", f"{minutes:,}"),
                    ("Charges this month", f"${(found['charge'] or ZERO).quantize(ZERO):,.2f}")],
        "lines": [f"{found['calls']:,} call{'' if found['calls'] == 1 else 's'} since {month_start:%b} 1 (UTC)"],
        "links": links,
    }]
