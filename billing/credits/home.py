"""Home card of Communications Credits: balance, auto-recharge state and a link to the product page."""
from django.urls import reverse

from accounts.roles import Cap
from core.plugins import home_cards

from .selectors import credits_balance


@home_cards
def cards(request):
    if not request.user.can(Cap.BILLING_READ):
        return []
    balance = credits_balance(tenant=request.tenant)
    if balance.auto_recharge_paused:
        recharge = "Auto-recharge: paused after failed recharges"
    elif balance.auto_recharge_enabled:
        recharge = f"Auto-recharge: on, adds ${balance.recharge_amount:,.0f} when below ${balance.trigger_amount:,.0f}"
    else:
        recharge = "Auto-recharge: off"
    return [{
        "title": "Communications Credits",
        "icon": "billing",
        "figures": [("Balance", f"${balance.balance:,.2f}"), ("Status", balance.status)],
        "lines": [recharge],
        "links": [("Communications Credits", reverse("billing:credits")), ("Add funds", reverse("billing:credits_add_funds"))]
        if request.user.can(Cap.BILLING_MANAGE) else [("Communications Credits", reverse("billing:credits"))],
    }]
