"""Home cards owned by accounts: the directory and the admin's own roles."""
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from core.plugins import home_cards

from .navigation import url_or_none
from .roles import Cap


@home_cards
def cards(request):
    tenant = request.tenant
    user = request.user
    counts = tenant.users.filter(deleted_at__isnull=True).aggregate(
        total=Count("id"), blocked=Count("id", filter=Q(sign_in_allowed=False)))
    directory: dict[str, Any] = {
        "title": "Users",
        "icon": "people",
        "figures": [("Users", counts["total"]), ("Sign-in blocked", counts["blocked"])],
        "links": [],
    }
    active_users = url_or_none("licensing:active_users")
    if active_users and user.can(Cap.USERS_READ):
        directory["links"].append(("Active users", active_users))
    roles: dict[str, Any] = {
        "title": "Your roles",
        "icon": "shield",
        "lines": sorted(role.label for role in user.roles),
        "links": [("Org settings", reverse("accounts:settings"))] if user.can(Cap.SETTINGS_MANAGE) else [],
    }
    return [directory, roles]
