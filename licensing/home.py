"""Home cards of licensing: licenses assigned and available per key product, with links to the pages."""
from django.urls import reverse

from accounts.roles import Cap
from core.plugins import home_cards

from .selectors import COMMUNICATIONS_CREDITS, licensed_user_count, product_lines

# The products an admin looks at first; the card shows those the tenant subscribes to, in this order.
KEY_PRODUCTS = ("SPE_E5", "SPE_E3", "MCOEV", "MCOPSTN1", "MCOPSTN2", "MCOMEETADV", "MCOPSTNC")


@home_cards
def cards(request):
    user = request.user
    if not (user.can(Cap.USERS_READ) or user.can(Cap.BILLING_READ) or user.can(Cap.LICENSES_MANAGE)):
        return []
    tenant = request.tenant
    lines = {line.product.sku_part_number: line for line in product_lines(tenant=tenant)}
    licensed = licensed_user_count(tenant=tenant)
    # Communications Credits come by the million with funding: counting them would drown the rest.
    available = sum(line.available for part, line in lines.items() if part != COMMUNICATIONS_CREDITS)
    links = []
    if user.can(Cap.USERS_READ):
        links.append(("Active users", reverse("licensing:active_users")))
    if user.can(Cap.BILLING_READ):
        links.append(("Your products", reverse("licensing:products")))
    if user.can(Cap.LICENSES_MANAGE):
        links.append(("Licenses", reverse("licensing:licenses")))
    return [{
        "title": "Licenses",
        "icon": "billing",
        "figures": [("Licensed users", f"{licensed:,}"),
                    ("Available licenses", f"{available:,}")],
        "lines": [f"{lines[part].product.name}: {lines[part].assigned:,} of {lines[part].total:,} assigned"
                  for part in KEY_PRODUCTS if part in lines] or ["No subscriptions yet."],
        "links": links,
    }]
