"""The purchase confirmation email: sent to the billing recipients once per purchase, its link opens the invoice on the
site's address, and with "Attach a PDF to your invoice emails" on it carries the invoice PDF, whose number and total
agree with the ledger."""
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from billing.credits.models import GatewayCharge, LedgerEntry
from billing.invoices.models import Invoice
from billing.notifications.models import EmailLog
from billing.notifications.services import notification_settings_update

URL = reverse("billing:credits_add_funds")


@pytest.fixture
def buy(client_as, billing_admin, card, django_capture_on_commit_callbacks):
    """buy(amount): Add funds through the page, review then confirm, with the after-commit work (emails) run."""
    client = client_as(billing_admin)

    def go(amount):
        token = client.post(URL, {"amount": amount, "payment_method": str(card.pk)}).context["review_token"]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, {"step": "confirm", "review": token})

    return go


def _pdf_text(content):
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@override_settings(INVOICE_SELLER={"tax_rate": "0.0825", "tax_label": "Sales tax"}, SITE_URL="https://admin.example.com")
def test_the_purchase_email_attaches_the_invoice_pdf_that_matches_the_ledger(tenant, buy, billing_admin,
                                                                              global_admin):
    notification_settings_update(tenant=tenant, actor=global_admin, attach_invoice_pdf=True)
    buy("300")
    entry = LedgerEntry.objects.get(account__tenant=tenant, kind=LedgerEntry.Kind.PURCHASE)
    invoice = Invoice.objects.get(tenant=tenant, reference=f"purchase:{entry.purchase_id}")
    purchases = [m for m in mail.outbox if "Communications Credits bought" in m.subject]
    assert sorted(m.to[0] for m in purchases) == sorted([billing_admin.email, global_admin.email])
    message = purchases[0]
    assert message.subject == f"Contoso Test: $300.00 of Communications Credits bought, invoice {invoice.display_number}"
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (invoice.pdf_filename, "application/pdf")
    text = _pdf_text(content)
    # The PDF's number is the invoice's; its total is the ledger's credit plus the tax, and what the card paid.
    tax = (entry.amount * Decimal("0.0825")).quantize(Decimal("0.01"))
    assert entry.amount == Decimal("300.00") and tax == Decimal("24.75")
    assert invoice.display_number in text
    assert f"Total amount ${entry.amount + tax:,.2f}" in text and "Sales tax $24.75" in text
    assert GatewayCharge.objects.get().amount == entry.amount + tax == invoice.total
    # The button opens that invoice, on the site's address.
    assert f"https://admin.example.com{reverse('invoices:detail', args=[invoice.pk])}" in message.body
    assert "These funds expire: Jun 17, 2027" in message.body
    assert "attached to this email as a PDF" in message.body


def test_without_the_setting_no_pdf_is_attached(tenant, buy):
    buy("100")
    [message, *_] = [m for m in mail.outbox if "Communications Credits bought" in m.subject]
    assert message.attachments == []
    assert "attached to this email as a PDF" not in message.body
    assert EmailLog.objects.filter(event="purchase_succeeded", attach_invoice__isnull=True).count() == len(
        [m for m in mail.outbox if "Communications Credits bought" in m.subject])


def test_a_double_confirm_sends_one_email_per_recipient(tenant, client_as, billing_admin, card,
                                                        django_capture_on_commit_callbacks):
    client = client_as(billing_admin)
    token = client.post(URL, {"amount": "100", "payment_method": str(card.pk)}).context["review_token"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"step": "confirm", "review": token})
        client.post(URL, {"step": "confirm", "review": token})
    assert EmailLog.objects.filter(event="purchase_succeeded").count() == len(
        {m.to[0] for m in mail.outbox if "Communications Credits bought" in m.subject})
    assert len({m.subject for m in mail.outbox if "Communications Credits bought" in m.subject}) == 1


def test_an_auto_recharge_email_attaches_its_invoice_too(tenant, card, fund, billing_admin, global_admin,
                                                         django_capture_on_commit_callbacks):
    from billing.credits.services import auto_recharge_update, credits_debit

    notification_settings_update(tenant=tenant, actor=global_admin, attach_invoice_pdf=True)
    fund(300)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    with django_capture_on_commit_callbacks(execute=True):
        credits_debit(tenant=tenant, amount=Decimal("150.00"), call_id="crossing")
    recharge = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.PURCHASE, total=Decimal("500.00")).get()
    sent = [m for m in mail.outbox if "Auto-recharge added" in m.subject]
    assert sent and all(m.attachments[0][0] == recharge.pdf_filename for m in sent)
    assert recharge.display_number in _pdf_text(sent[0].attachments[0][1])
