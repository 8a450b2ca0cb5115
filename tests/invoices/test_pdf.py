"""The PDFs say what the invoice says: number, parties, lines, totals, page numbers; nothing is fetched."""
import re
from datetime import date
from decimal import Decimal

import pytest

from billing.invoices.pdf import _OFFLINE, render_invoice_pdf_bytes
from billing.invoices.services import credit_note_issue
from billing.invoices.statements import StatementExpiry, StatementPurchase
from tests.invoices.factories import PO, empty_data, pdf_pages_text, purchase, statement, statement_data


def _flat(text):
    return re.sub(r"\s+", " ", text)


def test_a_purchase_invoice_pdf_shows_number_parties_line_and_totals(tenant, settings):
    settings.INVOICE_SELLER = {"name": "Northwind Telecom Ltd", "address": "5 Harbour Road\nDublin 2\nIreland",
                               "tax_rate": "0.0825", "tax_label": "Sales tax"}
    invoice = purchase(tenant, "2000.00", payment=PO, description="Communications Credits, one-time purchase")
    pages = pdf_pages_text(render_invoice_pdf_bytes(invoice))
    text = _flat(pages[0])
    assert len(pages) == 1
    for expected in ("Invoice", "G000000001", "Northwind Telecom Ltd", "5 Harbour Road", "Contoso Test",
                     "1 Main Street", "Communications Credits, one-time purchase", "PO-7781",
                     "Charges $2,000.00", "Sales tax $165.00", "Total amount $2,165.00", "Sales tax (8.25%)",
                     "Total $2,165.00 USD", "AMOUNT DUE $2,165.00", "Page 1 of 1", "How to pay"):
        assert expected in text, expected
    assert "Due" in text and invoice.due_date.strftime("%b %-d, %Y") in text


def test_a_card_purchase_pdf_is_marked_paid_with_nothing_due(tenant):
    invoice = purchase(tenant, "500.00")
    text = _flat(pdf_pages_text(render_invoice_pdf_bytes(invoice))[0])
    assert "Paid" in text and "Visa ending 4242" in text and "Tax (0%) $0.00" in text
    assert re.search(r"AMOUNT DUE \$0\.00", text)
    assert "How to pay" not in text


def test_a_credit_note_pdf_names_the_invoice_it_corrects_and_the_reason(tenant):
    invoice = purchase(tenant, "500.00")
    note = credit_note_issue(invoice=invoice, amount=Decimal("75.50"), reason="Auto-recharge ran twice", actor=None)
    text = _flat(pdf_pages_text(render_invoice_pdf_bytes(note))[0])
    for expected in ("Credit note", "G000000002", "Corrects G000000001", "Auto-recharge ran twice",
                     "Correction of G000000001", "-$75.50"):
        assert expected in text, expected


def test_a_statement_pdf_shows_the_balance_movement_and_usage(tenant):
    month = date(2026, 3, 1)
    data = statement_data(month, calls=30, opening="1200.00",
                          purchases=[StatementPurchase(date=date(2026, 3, 9), description="Auto-recharge",
                                                       amount=Decimal("2000.00"), invoice_number="G000000077")],
                          expiries=[StatementExpiry(date=date(2026, 3, 20), description="Funds of Mar 20, 2025 expired",
                                                    amount=Decimal("45.00"))])
    report = statement(tenant, data=data)
    pages = pdf_pages_text(render_invoice_pdf_bytes(report))
    text = _flat(" ".join(pages))
    for expected in ("Statement", "G000000001", "Mar 1 – Mar 31, 2026", "Opening balance, Mar 1 $1,200.00",
                     "Purchases $2,000.00", f"Usage charges -${data.usage_total:,}", "Expired funds -$45.00",
                     f"Closing balance, Mar 31 ${data.closing_balance:,}", "G000000077", "Funds of Mar 20, 2025 expired",
                     "Caller 00", "Appendix: call details, March 2026", f"30 calls, total charges ${data.usage_total:,}"):
        assert expected in text, expected
    first_call = min(data.calls, key=lambda c: (c.started_at, c.call_id))
    assert first_call.started_at.strftime("%Y-%m-%d %H:%M:%S") in text


def test_a_long_statement_numbers_its_pages_and_repeats_the_call_table_header(tenant):
    report = statement(tenant, calls=400)
    pages = pdf_pages_text(render_invoice_pdf_bytes(report))
    total = len(pages)
    assert total >= 6
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {total}" in page
    appendix = [i for i, page in enumerate(pages) if "Appendix: call details" in page][0]
    for page in pages[appendix:]:
        assert "Time stamp (UTC)" in page and "Username" in page and "Charge" in page
    for page in pages[appendix + 1:]:
        assert "Appendix: call details, March 2026 (continued)" in page
    rows = sum(len(re.findall(r"^2026-03-\d\d \d\d:\d\d:\d\d", page, re.M)) for page in pages[appendix:])
    assert rows == 400


def test_an_empty_statement_pdf_says_there_was_no_activity(tenant):
    report = statement(tenant, date(2026, 2, 1), data=empty_data("250.00"))
    pages = pdf_pages_text(render_invoice_pdf_bytes(report))
    text = _flat(pages[0])
    assert len(pages) == 1
    for expected in ("Opening balance, Feb 1 $250.00", "Closing balance, Feb 28 $250.00", "No purchases this month.",
                     "No usage charges this month.", "No funds expired this month.",
                     "No refunds or adjustments this month.", "Refunds and adjustments $0.00", "0 charged calls"):
        assert expected in text, expected
    assert "Appendix" not in text


def test_an_empty_statement_stays_on_one_page_with_full_postal_addresses(tenant, settings):
    """An empty month fits on one page whatever the addresses: it once filled the page to the last 16 pt, so one
    more line anywhere (a buyer's five-line address, a seller's tax ID) pushed it onto a second page."""
    settings.INVOICE_SELLER = {"name": "Microsoft Ireland Operations Ltd", "tax_id": "IE 8256796U",
                               "address": "One Microsoft Place\nSouth County Business Park\nLeopardstown\nDublin 18\n"
                                          "D18 P521\nIreland", "email": "commercial-billing-statements@admin.example"}
    tenant.name = "Contoso Pharmaceuticals International Holdings Ltd"
    tenant.billing_address = "Attn: Accounts Payable\nContoso Tower, Floor 27\n1200 Harbour Boulevard\nSuite 2700\n" \
                             "Springfield, IL 62701-1234\nUnited States"
    tenant.save()
    report = statement(tenant, date(2026, 2, 1), data=empty_data("250.00"))
    pages = pdf_pages_text(render_invoice_pdf_bytes(report))
    assert len(pages) == 1
    text = _flat(pages[0])
    for expected in ("D18 P521", "Tax ID IE 8256796U", "Springfield, IL 62701-1234", "No purchases this month.",
                     "No usage charges this month.", "No funds expired this month.",
                     "No refunds or adjustments this month.", "Closing balance, Feb 28 $250.00", "Page 1 of 1"):
        assert expected in text, expected


@pytest.mark.parametrize("url", ["http://example.com/logo.png", "https://fonts.example/font.woff2",
                                 "file:///etc/passwd"])
def test_the_renderer_fetches_nothing(url):
    with pytest.raises(ValueError, match="disallowed protocol"):
        _OFFLINE.fetch(url)
