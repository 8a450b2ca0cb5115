"""The Bills card on Home: the latest invoice, its amount and status, and what is due."""
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils import formats

from accounts.roles import Cap
from core.plugins import home_cards

from .models import Invoice
from .selectors import latest_invoice
from .templatetags.invoice_tags import money


@home_cards
def cards(request):
    if not request.user.can(Cap.BILLING_READ):
        return []
    tenant = request.tenant
    card: dict[str, Any] = {"title": "Bills", "icon": "billing", "figures": [], "lines": [],
            "links": [("Bills & payments", reverse("invoices:bills"))]}
    latest = latest_invoice(tenant=tenant)
    if latest is None:
        card["lines"].append("No invoices yet. Your first one arrives with your first Communications Credits purchase.")
        return [card]
    due = (Invoice.objects.filter(tenant=tenant, payment_status=Invoice.PaymentStatus.DUE)
           .aggregate(total=Sum("total"))["total"])
    card["figures"] = [("Latest " + latest.document_title.lower(), money(latest.total, latest.currency))]
    if due:
        card["figures"].append(("Amount due", money(due, latest.currency)))
    card["lines"].append(f"{latest.display_number}, {formats.date_format(latest.issue_date, 'M j, Y')}: "
                         f"{latest.status_label}")
    card["links"].append((f"View {latest.display_number}", reverse("invoices:detail", args=[latest.pk])))
    return [card]
