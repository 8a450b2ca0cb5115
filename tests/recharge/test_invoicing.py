"""Every purchase gets its invoice, in the purchase's own transaction: Add funds by card or on invoice, recharges."""
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Tenant
from billing.credits.models import GatewayCharge, LedgerEntry, Purchase
from billing.credits.services import credits_add_funds, payment_method_add_invoice
from billing.credits.services import funding as funding_module
from billing.invoices.models import Invoice


def test_add_funds_by_card_issues_a_paid_invoice_for_the_purchase(tenant, card, billing_admin):
    funding = credits_add_funds(tenant=tenant, amount=250, payment_method=card, idempotency_key="k1", actor=billing_admin)
    purchase, invoice = funding.purchase, Invoice.objects.get(tenant=tenant, kind="purchase")
    assert funding.invoice == invoice
    assert (invoice.reference, invoice.subtotal, invoice.total, invoice.payment_method, invoice.payment_label) == (
        f"purchase:{purchase.pk}", Decimal("250.00"), Decimal("250.00"), "card", "Visa •••• 4242")
    assert (invoice.payment_status, invoice.issued_at, invoice.description) == (
        "paid", purchase.created_at, "Communications Credits, one-time purchase")


def test_add_funds_on_an_enterprise_agreement_issues_an_invoice_due_with_its_po_number(tenant, global_admin):
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind="EA", agreement_number="EA-42")
    tenant.refresh_from_db()
    method = payment_method_add_invoice(tenant=tenant, agreement_number="EA-42", po_number="PO-2026-17", actor=global_admin)
    invoice = credits_add_funds(tenant=tenant, amount=1000, payment_method=method, idempotency_key="k",
                                actor=global_admin).invoice
    assert (invoice.payment_method, invoice.po_number, invoice.payment_status) == ("invoice", "PO-2026-17", "due")
    assert invoice.due_date > invoice.issue_date


def test_a_replayed_purchase_is_invoiced_once(tenant, card, billing_admin):
    for _ in range(3):
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="same", actor=billing_admin)
    assert Invoice.objects.filter(tenant=tenant, kind="purchase").count() == 1


def test_an_invoice_that_cannot_be_issued_undoes_the_purchase_and_a_retry_charges_once(tenant, card, billing_admin,
                                                                                       monkeypatch):
    real_issue = funding_module.invoice_issue_for_purchase

    def seller_misconfigured(**kwargs):
        raise ValueError("INVOICE_SELLER.tax_rate is not a decimal")

    monkeypatch.setattr(funding_module, "invoice_issue_for_purchase", seller_misconfigured)
    with pytest.raises(ValueError):
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="k", actor=billing_admin)
    assert not Purchase.objects.exists() and not LedgerEntry.objects.exists() and not Invoice.objects.exists()
    monkeypatch.setattr(funding_module, "invoice_issue_for_purchase", real_issue)
    purchase = credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="k",
                                 actor=billing_admin).purchase
    assert GatewayCharge.objects.count() == 1 and purchase.gateway_charge_id == GatewayCharge.objects.get().reference
    assert Invoice.objects.get().reference == f"purchase:{purchase.pk}"


def test_the_add_funds_page_purchase_has_its_invoice_in_bills_and_payments(tenant, card, billing_admin, client_as):
    client = client_as(billing_admin)
    review = client.post(reverse("billing:credits_add_funds"), {"amount": "300", "payment_method": str(card.pk)})
    response = client.post(reverse("billing:credits_add_funds"),
                           {"step": "confirm", "review": review.context["review_token"]})
    assert response.status_code == 302
    invoice = Invoice.objects.get(tenant=tenant, kind="purchase")
    assert client.get(reverse("invoices:detail", kwargs={"invoice_id": invoice.pk})).status_code == 200
