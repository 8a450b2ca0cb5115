"""Billing > Bills & payments: roles, filters, bad filters, detail, PDF download, tenant isolation, query counts."""
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.invoices.services import credit_note_issue
from billing.invoices.statements import StatementAdjustment
from tests.invoices.factories import PO, empty_data, pdf_pages_text, purchase, statement, statement_data

BILLS = reverse("invoices:bills")


@pytest.fixture
def documents(tenant, clock):
    """On Apr 15, 2026: a paid card purchase in January, a PO purchase due Apr 1 (past due), February's statement and
    a credit note."""
    clock.at(2026, 4, 15, 12)
    card = purchase(tenant, "500.00", issued_at=datetime(2026, 1, 10, 9, tzinfo=UTC), reference="jan")
    po = purchase(tenant, "5000.00", payment=PO, issued_at=datetime(2026, 3, 2, 9, tzinfo=UTC), reference="mar",
                  description="Communications Credits, one-time purchase")
    report = statement(tenant, date(2026, 2, 1), calls=25)
    note = credit_note_issue(invoice=card, amount=Decimal("20.00"), reason="Billing error", actor=None)
    return {"card": card, "po": po, "statement": report, "note": note}


@pytest.mark.parametrize("persona", ["global_admin", "billing_admin"])
def test_billing_and_global_admins_see_bills_and_payments(request, client_as, persona, documents):
    response = client_as(request.getfixturevalue(persona)).get(BILLS)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Bills &amp; payments" in body
    for invoice in documents.values():
        assert invoice.display_number in body
    assert "$5,000.00" in body and "-$20.00" in body and "Past due" in body


@pytest.mark.parametrize("persona", ["license_admin", "user_admin", "reports_reader", "teams_comms_admin"])
def test_other_admin_roles_are_refused(request, client_as, persona):
    assert client_as(request.getfixturevalue(persona)).get(BILLS).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(BILLS)
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


@pytest.mark.parametrize(("params", "expected"), [
    ({"type": "purchase"}, {"card", "po"}),
    ({"type": "statement"}, {"statement"}),
    ({"type": "creditNote"}, {"note"}),
    ({"status": "pastDue"}, {"po"}),
    ({"status": "paid"}, {"card"}),
    ({"from": "2026-02-01", "to": "2026-03-01"}, {"statement"}),
    ({"from": "2026-03-02", "type": "purchase"}, {"po"}),
])
def test_filters_narrow_the_list(client_as, billing_admin, documents, params, expected):
    body = client_as(billing_admin).get(BILLS, params).content.decode()
    shown = {name for name, invoice in documents.items() if f">{invoice.display_number}<" in body}
    assert shown == expected


def test_a_filter_that_matches_nothing_says_so(client_as, billing_admin, documents):
    body = client_as(billing_admin).get(BILLS, {"from": "2030-01-01"}).content.decode()
    assert "No invoices match these filters." in body


@pytest.mark.parametrize(("params", "message"), [
    ({"from": "2026-13-01"}, "&#x27;2026-13-01&#x27; is not a date; use YYYY-MM-DD"),
    ({"from": "yesterday"}, "&#x27;yesterday&#x27; is not a date"),
    ({"from": "2026-03-01", "to": "2026-01-01"}, "The end date 2026-01-01 is before the start date 2026-03-01."),
    ({"type": "refund"}, "&#x27;refund&#x27; is not an invoice type; use one of purchase, statement, creditNote."),
    ({"status": "late"}, "&#x27;late&#x27; is not a status"),
])
def test_bad_filters_get_a_clear_error_and_no_list(client_as, billing_admin, documents, params, message):
    response = client_as(billing_admin).get(BILLS, params)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Check the filters." in body and message in body
    assert documents["card"].display_number not in body


def test_the_list_pages_after_25_rows(client_as, billing_admin, tenant):
    for _ in range(27):
        purchase(tenant)
    client = client_as(billing_admin)
    assert "Page 1 of 2 (27 items)" in client.get(BILLS).content.decode()
    second = client.get(BILLS, {"page": 2}).content.decode()
    assert "G000000001" in second and "G000000027" not in second


def _list_queries(client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(BILLS).status_code == 200


def test_the_list_query_count_does_not_grow_with_rows(client_as, billing_admin, tenant, django_assert_num_queries):
    client = client_as(billing_admin)
    purchase(tenant)
    # session, user, tenant, roles; then the count and one page of rows
    _list_queries(client, django_assert_num_queries, 6)
    for _ in range(20):
        purchase(tenant)
    statement(tenant, calls=5)
    _list_queries(client, django_assert_num_queries, 6)


def test_the_detail_shows_lines_totals_and_payment_status(client_as, billing_admin, documents):
    po = documents["po"]
    body = client_as(billing_admin).get(reverse("invoices:detail", args=[po.pk])).content.decode()
    for expected in ("Invoice G000000002", "Communications Credits, one-time purchase", "PO-7781", "Past due",
                     "$5,000.00", "Download PDF", "Prepaid funds for calling"):
        assert expected in body, expected


def test_a_statement_detail_shows_the_account_summary(client_as, billing_admin, documents):
    report = documents["statement"]
    data = report.snapshot.data
    body = client_as(billing_admin).get(reverse("invoices:detail", args=[report.pk])).content.decode()
    assert "Account summary" in body and "Usage charges by user" in body and "Caller 0" in body
    assert f"${Decimal(data['closing_balance']):,}" in body
    assert "25 charged calls this month" in body


def test_a_statement_detail_lists_refunds_and_adjustments(client_as, billing_admin, tenant):
    month = date(2026, 3, 1)
    data = statement_data(month, calls=5)
    data = replace(data, closing_balance=data.closing_balance - Decimal("27.50"), adjustments=(
        StatementAdjustment(date=date(2026, 3, 15), description="Refund of funds added Feb 14, 2026 to Visa •••• 4242",
                            amount=Decimal("-40.00")),
        StatementAdjustment(date=date(2026, 3, 18), description="Balance adjustment: Goodwill credit",
                            amount=Decimal("12.50"))))
    report = statement(tenant, data=data)
    body = client_as(billing_admin).get(reverse("invoices:detail", args=[report.pk])).content.decode()
    for expected in ("Refunds and adjustments", '<dd data-testid="adjustments-total">-$27.50</dd>', "Mar 15, 2026",
                     "Refund of funds added Feb 14, 2026 to Visa •••• 4242", "-$40.00", "Balance adjustment: Goodwill credit",
                     "$12.50"):
        assert expected in body, expected


def test_an_empty_statement_detail_says_there_was_no_activity(client_as, billing_admin, tenant):
    report = statement(tenant, date(2026, 4, 1), data=empty_data("80.00"))
    body = client_as(billing_admin).get(reverse("invoices:detail", args=[report.pk])).content.decode()
    assert "There was no activity on your balance this month." in body and "$80.00" in body
    assert "No refunds or adjustments this month." in body


def test_a_credited_invoice_links_its_credit_note_and_back(client_as, billing_admin, documents):
    client = client_as(billing_admin)
    card, note = documents["card"], documents["note"]
    body = client.get(reverse("invoices:detail", args=[card.pk])).content.decode()
    assert reverse("invoices:detail", args=[note.pk]) in body and "Credited" in body
    body = client.get(reverse("invoices:detail", args=[note.pk])).content.decode()
    assert "Billing error" in body and reverse("invoices:detail", args=[card.pk]) in body


def test_download_pdf_gives_the_invoice_as_a_pdf_attachment(client_as, billing_admin, documents):
    invoice = documents["po"]
    response = client_as(billing_admin).get(reverse("invoices:pdf", args=[invoice.pk]))
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Invoice_G000000002.pdf"'
    assert content.startswith(b"%PDF") and "G000000002" in pdf_pages_text(content)[0]


def test_a_pdf_that_cannot_be_rendered_sends_the_admin_back_with_a_message(client_as, billing_admin, documents,
                                                                           monkeypatch):
    from billing.invoices import pdf

    monkeypatch.setattr(pdf, "render_invoice_pdf_bytes", lambda invoice: (_ for _ in ()).throw(OSError("boom")))
    invoice = documents["card"]
    response = client_as(billing_admin).get(reverse("invoices:pdf", args=[invoice.pk]), follow=True)
    assert "couldn&#x27;t be created right now" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.last_render_error == "OSError: boom"


@pytest.mark.parametrize("name", ["invoices:detail", "invoices:pdf"])
def test_another_tenants_invoice_is_not_found(client_as, billing_admin, other_tenant, name):
    theirs = purchase(other_tenant)
    assert client_as(billing_admin).get(reverse(name, args=[theirs.pk])).status_code == 404


def test_the_home_card_shows_the_latest_invoice(client_as, billing_admin, documents):
    body = client_as(billing_admin).get("/").content.decode()
    # The credit note issued last corrects January's invoice; the card leads with March's invoice, which is due.
    assert "Bills" in body and "Latest invoice" in body and documents["po"].display_number in body
    assert "Latest credit note" not in body and documents["note"].display_number not in body
    assert "Amount due" in body and "$5,000.00" in body


def test_the_home_card_is_only_for_billing_readers(client_as, license_admin, documents):
    body = client_as(license_admin).get("/").content.decode()
    assert "Bills &amp; payments" not in body and documents["po"].display_number not in body
