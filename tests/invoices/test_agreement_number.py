"""The agreement number is printed only on invoices paid against the agreement, not on card-paid ones of the same
Enterprise Agreement customer."""
import re

from django.urls import reverse

from accounts.models import Tenant
from billing.invoices.pdf import render_invoice_pdf_bytes
from tests.invoices.factories import CARD, PO, pdf_pages_text, purchase


def _ea(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind=Tenant.BillingAccountKind.EA,
                                               agreement_number="EA-8675309")
    tenant.refresh_from_db()
    return tenant


def _pdf(invoice):
    return re.sub(r"\s+", " ", " ".join(pdf_pages_text(render_invoice_pdf_bytes(invoice))))


def test_a_card_paid_invoice_prints_no_agreement_number(tenant, client_as, billing_admin):
    invoice = purchase(_ea(tenant), "100.00", payment=CARD)
    assert invoice.agreement_number == ""
    assert "EA-8675309" not in _pdf(invoice)
    assert "EA-8675309" not in client_as(billing_admin).get(reverse("invoices:detail", args=[invoice.pk])).content.decode()


def test_an_invoice_paid_against_the_agreement_prints_it(tenant, client_as, billing_admin):
    invoice = purchase(_ea(tenant), "100.00", payment=PO)
    assert invoice.agreement_number == "EA-8675309"
    assert "Agreement number EA-8675309" in _pdf(invoice)
    page = client_as(billing_admin).get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "<dt>Agreement number</dt><dd>EA-8675309</dd>" in page
