"""The admin centre's left navigation; items whose page is not installed yet are left out."""
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.urls import NoReverseMatch, reverse

from .roles import Cap


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str | None = None
    cap: str | None = None
    icon: str = ""
    children: tuple = field(default_factory=tuple)


NAVIGATION = (
    NavItem("Home", "accounts:home", icon="home"),
    NavItem("Users", icon="people", children=(
        NavItem("Active users", "licensing:active_users", Cap.USERS_READ),
        NavItem("Deleted users", "licensing:deleted_users", Cap.USERS_MANAGE),
    )),
    NavItem("Billing", icon="billing", children=(
        NavItem("Your products", "licensing:products", Cap.BILLING_READ),
        NavItem("Communications Credits", "billing:credits", Cap.BILLING_READ),
        NavItem("Licenses", "licensing:licenses", Cap.LICENSES_MANAGE),
        NavItem("Bills & payments", "invoices:bills", Cap.BILLING_READ),
        NavItem("Payment methods", "billing:payment_methods", Cap.BILLING_READ),
        NavItem("Rates", "rating:rates", Cap.BILLING_READ),
        NavItem("License optimizer", "rating:license_optimizer", Cap.BILLING_READ),
        NavItem("Billing notifications", "notifications:settings", Cap.NOTIFICATIONS_MANAGE),
        NavItem("Calling policy", "spend:calling_policy", Cap.BILLING_READ),
    )),
    NavItem("Reports", icon="reports", children=(
        NavItem("PSTN usage", "reporting:pstn_usage", Cap.REPORTS_READ),
        NavItem("Communications Credits", "reporting:credits_dashboard", Cap.CREDITS_DASHBOARD),
    )),
    NavItem("Settings", icon="settings", children=(
        NavItem("Org settings", "accounts:settings", Cap.SETTINGS_MANAGE),
        NavItem("Audit log", "accounts:audit_log", Cap.SETTINGS_MANAGE),
        NavItem("Webhooks", "webhooks:endpoints", Cap.BILLING_MANAGE),
    )),
)


@cache
def url_or_none(url_name):
    """The URL of a page, or None while the app that serves it is not installed."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def navigation_for(user, current_path):
    """The items `user` may open, each with its URL and whether it holds the current page.

    Only one link is the current page: the one whose URL is the longest start of the path (Home only for "/").
    """
    items = []
    for item in NAVIGATION:
        children = []
        for child in item.children:
            url = url_or_none(child.url_name)
            if url and (child.cap is None or user.can(child.cap)):
                children.append({"label": child.label, "url": url, "active": False})
        url = url_or_none(item.url_name) if item.url_name else None
        if item.children and not children:
            continue
        if not item.children and not url:
            continue
        items.append({"label": item.label, "url": url or children[0]["url"], "icon": item.icon,
                      "children": children, "active": False, "own_page": url is not None and not item.children})
    current: tuple[dict[str, Any], dict[str, Any]] | None = None
    for entry in items:
        candidates = entry["children"] or ([entry] if entry["own_page"] else [])
        for link in candidates:
            matches = current_path == link["url"] if link["url"] == "/" else current_path.startswith(link["url"])
            if matches and (current is None or len(link["url"]) > len(current[1]["url"])):
                current = (entry, link)
    if current:
        current[0]["active"] = True
        current[1]["active"] = True
    return items


def breadcrumb_for(items):
    """The trail above the page's title: Home, the navigation group, the current navigation page (a link)."""
    trail = [{"label": "Home", "url": url_or_none("accounts:home")}]
    for item in items:
        if not item["active"]:
            continue
        if item["children"]:
            trail.append({"label": item["label"], "url": None})
            trail += [{"label": c["label"], "url": c["url"]} for c in item["children"] if c["active"]]
        elif item["url"] != trail[0]["url"]:
            trail.append({"label": item["label"], "url": item["url"]})
    return trail
