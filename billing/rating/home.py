"""Home card of calling: this month's calls, minutes and credits charged, blocked attempts, pools near full."""
from django.urls import NoReverseMatch, reverse

from accounts.roles import Cap
from core.plugins import home_cards

from .pools import pool_name
from .selectors import calling_summary


def _link(label, name):
    try:
        return [(label, reverse(name))]
    except NoReverseMatch:  # the reports arrive with their own app
        return []


@home_cards
def cards(request):
    user = request.user
    if not (user.can(Cap.REPORTS_READ) or user.can(Cap.BILLING_READ)):
        return []
    summary = calling_summary(tenant=request.tenant)
    lines = [f"{pool_name(pool)}: {pool.used_minutes * 100 // pool.capacity_minutes}% of this month's minutes used "
             f"({pool.used_minutes:,} of {pool.capacity_minutes:,})" for pool in summary.pools_near_full[:3]]
    if not lines:
        lines = ["No minute pool has used 80% of this month's minutes."]
    if summary.blocked:
        lines.append(f"{summary.blocked:,} call attempt{'s' if summary.blocked != 1 else ''} blocked this month")
    links = []
    if user.can(Cap.REPORTS_READ):
        for label, suffix in (("PSTN usage", ""), ("Minute pools", "?report=pools"), ("Blocked users", "?report=blocked")):
            links += [(label, url + suffix) for _, url in _link(label, "reporting:pstn_usage")]
    if user.can(Cap.CREDITS_DASHBOARD):
        links += _link("Credits dashboard", "reporting:credits_dashboard")
    if user.can(Cap.BILLING_READ):
        links += _link("Rate decks", "rating:rates")
    return [{
        "title": "Calling",
        "icon": "reports",
        "figures": [("Calls this month", f"{summary.calls:,}"), ("Minutes", f"{summary.minutes:,}"),
                    ("Charged to credits", f"${summary.charged:,.2f}")],
        "lines": lines,
        "links": links,
    }]
