"""Home cards of Communications Credits: balance, auto-recharge state and a link to the product page; what expires
next and how much of it the current burn won't use."""
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Cap
from core.plugins import home_cards

from .recharge.selectors import credits_forecast_for
from .selectors import credits_balance


@home_cards
def cards(request):
    if not request.user.can(Cap.BILLING_READ):
        return []
    return [_balance_card(request, credits_balance(tenant=request.tenant)), *_expiry_card(request)]


def _expiry_card(request):
    forecast = credits_forecast_for(tenant=request.tenant, now=timezone.now())
    lot = forecast.next_expiring
    if lot is None:
        return []
    if not forecast.spent:
        unused = f"Nothing was charged in the last {forecast.window_days} days: all of it expires unused at that rate."
    elif lot.unused:
        unused = f"At your current burn (${forecast.burn_rate:,.2f} a day), ${lot.unused:,.2f} of it won't be used."
    else:
        unused = f"At your current burn (${forecast.burn_rate:,.2f} a day), it will all be used first."
    return [{
        "title": "Funds expiring next",
        "icon": "billing",
        "figures": [("Amount", f"${lot.remaining:,.2f}"), ("Expires", f"{lot.expires_at:%b} {lot.expires_at.day}, "
                                                                    f"{lot.expires_at.year}")],
        "lines": [unused],
        "links": [("Funds and expiration", reverse("billing:credits") + "#lots-heading")],
    }]


def _balance_card(request, balance):
    if balance.auto_recharge_paused:
        recharge = "Auto-recharge: paused after failed recharges"
    elif balance.auto_recharge_enabled:
        recharge = f"Auto-recharge: on, adds ${balance.recharge_amount:,.0f} when below ${balance.trigger_amount:,.0f}"
    else:
        recharge = "Auto-recharge: off"
    return {
        "title": "Communications Credits",
        "icon": "billing",
        "figures": [("Balance", f"${balance.balance:,.2f}"), ("Status", balance.status)],
        "lines": [recharge],
        "links": [("Communications Credits", reverse("billing:credits")), ("Add funds", reverse("billing:credits_add_funds"))]
        if request.user.can(Cap.BILLING_MANAGE) else [("Communications Credits", reverse("billing:credits"))],
    }
