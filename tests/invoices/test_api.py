"""GET /api/v1/invoices[/{id}[/pdf]]: camelCase, paging, filters, Graph-style errors, tenant isolation, query counts."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing.invoices.services import credit_note_issue
from tests.invoices.factories import PO, pdf_pages_text, purchase, statement


@pytest.fixture
def api(api_client_for, tenant):
    return api_client_for(tenant)


def test_the_list_is_a_graph_collection_in_camel_case(api, tenant, clock):
    clock.at(2026, 4, 15, 12)  # the invoice was due Apr 1
    invoice = purchase(tenant, "2000.00", payment=PO, issued_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    response = api.get("/api/v1/invoices")
    assert response.status_code == 200
    body = response.json()
    assert "@odata.nextLink" not in body
    assert body["value"] == [{
        "id": str(invoice.pk), "invoiceNumber": "G000000001", "type": "purchase",
        "description": "Communications Credits, auto-recharge", "issuedDateTime": "2026-03-02T09:00:00Z",
        "invoiceDate": "2026-03-02", "dueDate": "2026-04-01", "billingPeriodStartDate": None,
        "billingPeriodEndDate": None, "currency": "USD", "subtotalAmount": "2000.00", "taxAmount": "0.00",
        "totalAmount": "2000.00", "amountDue": "2000.00", "status": "pastDue",
        "paymentMethod": {"method": "invoice", "label": "Invoice (Enterprise Agreement)", "poNumber": "PO-7781"},
        "creditedInvoiceId": None, "pdfUrl": f"http://testserver/api/v1/invoices/{invoice.pk}/pdf",
    }]


def test_the_list_pages_with_top_skip_and_a_next_link(api, tenant):
    for day in range(1, 6):
        purchase(tenant, issued_at=datetime(2026, 1, day, tzinfo=UTC))
    body = api.get("/api/v1/invoices", {"$top": 2}).json()
    assert [row["invoiceNumber"] for row in body["value"]] == ["G000000005", "G000000004"]
    assert body["@odata.nextLink"] == "http://testserver/api/v1/invoices?$top=2&$skip=2"
    last = api.get(body["@odata.nextLink"].replace("http://testserver", "")).json()
    assert [row["invoiceNumber"] for row in last["value"]] == ["G000000003", "G000000002"]
    final = api.get("/api/v1/invoices", {"$top": 2, "$skip": 4}).json()
    assert [row["invoiceNumber"] for row in final["value"]] == ["G000000001"] and "@odata.nextLink" not in final


def test_the_list_filters_by_type_status_and_dates(api, tenant):
    card = purchase(tenant, issued_at=datetime(2026, 1, 5, tzinfo=UTC))
    statement(tenant, date(2026, 1, 1), calls=5)
    credit_note_issue(invoice=card, amount=Decimal("5.00"), reason="Rounding", actor=None)
    numbers = lambda **params: [row["invoiceNumber"] for row in api.get("/api/v1/invoices", params).json()["value"]]  # noqa: E731
    assert numbers(type="statement") == ["G000000002"]
    assert numbers(type="creditNote") == ["G000000003"]
    assert numbers(status="paid") == ["G000000001"]
    assert numbers(**{"from": "2026-01-01", "to": "2026-01-31"}) == ["G000000001"]


@pytest.mark.parametrize(("params", "message"), [
    ({"from": "2026-02-30"}, "from: '2026-02-30' is not a date; use YYYY-MM-DD, for example 2026-01-31."),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "to: The end date 2026-02-01 is before the start date 2026-03-01."),
    ({"type": "usage"}, "type: 'usage' is not an invoice type; use one of purchase, statement, creditNote."),
    ({"status": "open"}, "status: 'open' is not a status; use one of paid, due, pastDue, creditIssued, noPaymentDue."),
    ({"$top": "0"}, "$top: '0' must be a whole number from 1 to 200."),
    ({"$skip": "-1"}, "$skip: '-1' must be a whole number from 0 to 1000000000."),
])
def test_bad_filters_are_a_400_naming_the_parameter(api, tenant, params, message):
    response = api.get("/api/v1/invoices", params)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "Request_BadRequest", "message": message}}


def test_one_invoice_has_its_lines_and_parties(api, tenant):
    invoice = purchase(tenant, "750.00")
    note = credit_note_issue(invoice=invoice, amount=Decimal("50.00"), reason="Goodwill", actor=None)
    body = api.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert body["lines"] == [{"position": 1, "description": "Communications Credits, auto-recharge",
                              "detail": "Prepaid funds for calling, valid for 12 months from purchase",
                              "quantity": "1.00", "unit": "", "unitPrice": "750.0000", "amount": "750.00"}]
    assert body["creditNoteIds"] == [str(note.pk)] and body["creditedAmount"] == "50.00"
    assert body["billTo"] == {"name": "Contoso Test", "address": "1 Main Street\nSpringfield", "agreementNumber": ""}
    assert api.get(f"/api/v1/invoices/{note.pk}").json()["creditedInvoiceId"] == str(invoice.pk)


def test_a_statement_has_its_summary(api, tenant):
    report = statement(tenant, calls=12)
    data = report.snapshot.data
    summary = api.get(f"/api/v1/invoices/{report.pk}").json()["statementSummary"]
    assert summary["openingBalance"] == data["opening_balance"] and summary["closingBalance"] == data["closing_balance"]
    assert summary["callCount"] == 12 and summary["refundsAndAdjustments"] == "0.00"


def test_the_pdf_endpoint_returns_the_pdf(api, tenant):
    invoice = purchase(tenant)
    response = api.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "G000000001" in pdf_pages_text(content)[0]


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_another_tenants_or_a_malformed_id_is_a_graph_404(api, other_tenant, suffix):
    theirs = purchase(other_tenant)
    for invoice_id in (theirs.pk, "not-a-uuid"):
        response = api.get(f"/api/v1/invoices/{invoice_id}{suffix}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "Request_ResourceNotFound"


def test_a_session_without_billing_read_is_403(reports_reader):
    client = APIClient()
    client.force_login(reports_reader)
    response = client.get("/api/v1/invoices")
    assert response.status_code == 403 and response.json()["error"]["code"] == "Authorization_RequestDenied"


def test_a_billing_admin_session_may_list(billing_admin, tenant):
    purchase(tenant)
    client = APIClient()
    client.force_login(billing_admin)
    assert len(client.get("/api/v1/invoices").json()["value"]) == 1


def test_the_list_query_count_does_not_grow_with_rows(api, tenant, django_assert_num_queries):
    purchase(tenant)
    api.get("/api/v1/invoices")  # the token's first use also records last_used_at
    # the token, then one page of rows (one row more than $top, to know whether there is a next page)
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/invoices").json()["value"]) == 1
    for _ in range(30):
        purchase(tenant)
    statement(tenant, calls=5)
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/invoices").json()["value"]) == 32


def test_the_openapi_schema_describes_the_invoice_endpoints(client_as, global_admin):
    schema = client_as(global_admin).get("/api/schema/", {"format": "json"}).json()
    assert {"/api/v1/invoices", "/api/v1/invoices/{invoice_id}", "/api/v1/invoices/{invoice_id}/pdf"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/invoices"]["get"]["parameters"]}
    assert {"from", "to", "type", "status", "$top", "$skip"} <= parameters
