"""A billing admin's path through Bills & payments: filter the invoices, open one, download its PDF; read a
statement issued from a month of real credits and calls."""
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from billing.invoices.services import credit_note_issue, statements_issue_for_month
from tests.invoices.factories import PO, build_march_2026, ensure_default_rate_deck, purchase, statement
from tests.licensing.factories import ensure_catalogue


def _documents(tenant):
    card = purchase(tenant, "500.00", issued_at=datetime(2026, 1, 10, 9, tzinfo=UTC), reference="jan-recharge")
    po = purchase(tenant, "1000.00", payment=PO, issued_at=datetime(2026, 3, 2, 9, tzinfo=UTC), reference="mar-po",
                  description="Communications Credits, one-time purchase")
    for month in (1, 2, 3):
        statement(tenant, date(2026, month, 1), calls=60)
    credit_note_issue(invoice=card, amount=Decimal("20.00"), reason="Auto-recharge ran twice", actor=None)
    return card, po


def test_billing_admin_filters_opens_an_invoice_and_downloads_its_pdf(page, sign_in, billing_admin, tenant, screenshot,
                                                                       settings, tmp_path, clock):
    settings.MEDIA_ROOT = tmp_path / "media"
    card, po = _documents(tenant)
    sign_in(billing_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Bills & payments").click()
    expect(page.get_by_role("heading", name="Bills & payments", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Invoices")
    expect(table.get_by_role("row")).to_have_count(7)  # the header and six documents
    screenshot("invoices-bills")

    page.get_by_label("Type").select_option("purchase")
    page.get_by_role("button", name="Apply").click()
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("link", name=po.display_number, exact=True)).to_be_visible()
    expect(table.get_by_role("cell", name="Past due")).to_be_visible()

    page.get_by_label("From").fill("2026-03-10")
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("The end date 2026-03-01 is before the start date 2026-03-10.")
    screenshot("invoices-bills-bad-filter")
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_label("To").fill("2026-03-31")
    page.get_by_role("button", name="Apply").click()
    expect(table.get_by_role("row")).to_have_count(2)

    table.get_by_role("link", name=po.display_number, exact=True).click()
    expect(page.get_by_role("heading", name=f"Invoice {po.display_number}")).to_be_visible()
    expect(page.get_by_test_id("payment-status")).to_have_text("Past due")
    expect(page.get_by_test_id("amount-due")).to_have_text("$1,000.00")
    expect(page.get_by_role("table", name="Lines")).to_contain_text("Communications Credits, one-time purchase")
    screenshot("invoices-detail")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"Invoice_{po.display_number}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert po.display_number in text and "$1,000.00" in text and "PO-7781" in text


def test_billing_admin_reads_a_monthly_statement(page, sign_in, billing_admin, tenant, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _documents(tenant)
    sign_in(billing_admin)
    page.goto("/billing/bills/?type=statement")
    page.get_by_role("table", name="Invoices").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Account summary")).to_be_visible()
    expect(page.get_by_role("heading", name="Usage charges by user")).to_be_visible()
    expect(page.get_by_test_id("closing-balance")).to_contain_text("$")
    screenshot("invoices-statement")


def test_billing_admin_reads_a_statement_issued_from_the_ledger(page, sign_in, billing_admin, tenant, screenshot,
                                                                 settings, tmp_path, clock):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_catalogue()
    ensure_default_rate_deck()
    with clock.frozen(datetime(2026, 3, 1, tzinfo=UTC)):
        march = build_march_2026(tenant, clock, billing_admin)
        report = statements_issue_for_month(month=date(2026, 3, 1)).issued[0]
    sign_in(billing_admin)
    page.goto("/billing/bills/?type=statement")
    page.get_by_role("table", name="Invoices").get_by_role("link", name=report.display_number, exact=True).click()

    expect(page.get_by_role("heading", name=f"Statement {report.display_number}")).to_be_visible()
    expect(page.get_by_test_id("adjustments-total")).to_have_text("-$32.50")
    purchases = page.get_by_role("table", name="Purchases")
    expect(purchases).to_contain_text("Auto-recharge, paid with Visa •••• 4242")
    expect(purchases).to_contain_text(march.recharge_invoice.display_number)
    adjustments = page.get_by_role("table", name="Refunds and adjustments")
    expect(adjustments.get_by_role("row")).to_have_count(4)
    expect(adjustments).to_contain_text("Balance adjustment: Goodwill credit for dropped calls")
    expect(page.get_by_role("table", name="Usage charges by user")).to_contain_text("Service numbers")
    screenshot("invoices-statement-from-ledger")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    pages = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes())).pages
    text = " ".join(p.extract_text() for p in pages)
    assert report.display_number in text and "Refunds and adjustments -$32.50" in text
    assert "Appendix: call details, March 2026" in text
