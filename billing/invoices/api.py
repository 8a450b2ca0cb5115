"""GET /api/v1/invoices, /api/v1/invoices/{id} and /api/v1/invoices/{id}/pdf: camelCase JSON, Graph-style errors."""
import logging
import uuid

from django.http import FileResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.serializers import render
from core.validation import is_whole

from .filters import parse_invoice_filters
from .models import Invoice
from .schema import INVOICE_DETAIL, INVOICE_LIST, detail_schema, list_schema, pdf_schema
from .selectors import invoice_for_tenant, invoices_for_tenant
from .services import invoice_credited_total, invoice_render_pdf
from .statements import StatementData

logger = logging.getLogger(__name__)
DEFAULT_TOP = 50
MAX_TOP = 200


def _paging(params):
    values = {}
    for name, default, low, high in (("$top", DEFAULT_TOP, 1, MAX_TOP), ("$skip", 0, 0, 10**9)):
        raw = params.get(name, "")
        if raw == "":
            values[name] = default
            continue
        if not is_whole(raw) or len(raw) > 12 or not low <= int(raw) <= high:
            raise ApiError(f"{name}: '{raw}' must be a whole number from {low} to {high}.", code="Request_BadRequest")
        values[name] = int(raw)
    return values["$top"], values["$skip"]


def _date(value):
    return value.isoformat() if value else None


def invoice_json(invoice, request):
    return {
        "id": str(invoice.pk),
        "invoiceNumber": invoice.display_number,
        "type": invoice.kind,
        "description": invoice.description,
        "issuedDateTime": invoice.issued_at.isoformat().replace("+00:00", "Z"),
        "invoiceDate": _date(invoice.issue_date),
        "dueDate": _date(invoice.due_date),
        "billingPeriodStartDate": _date(invoice.period_start),
        "billingPeriodEndDate": _date(invoice.period_end),
        "currency": invoice.currency,
        "subtotalAmount": str(invoice.subtotal),
        "taxAmount": str(invoice.tax),
        "totalAmount": str(invoice.total),
        "amountDue": str(invoice.amount_due),
        "status": invoice.status_key,
        "paymentMethod": {"method": invoice.payment_method, "label": invoice.payment_label,
                          "poNumber": invoice.po_number},
        "creditedInvoiceId": str(invoice.credited_invoice_id) if invoice.credited_invoice_id else None,
        "pdfUrl": request.build_absolute_uri(f"/api/v1/invoices/{invoice.pk}/pdf"),
    }


def invoice_detail_json(invoice, request):
    body = invoice_json(invoice, request)
    body["reason"] = invoice.reason
    body["lines"] = [{"position": line.position, "description": line.description, "detail": line.detail,
                      "quantity": str(line.quantity), "unit": line.unit, "unitPrice": str(line.unit_price),
                      "amount": str(line.amount)} for line in invoice.lines.all()]
    body["creditNoteIds"] = [str(note.pk) for note in sorted(invoice.credit_notes.all(), key=lambda n: n.number)]
    body["creditedAmount"] = str(invoice_credited_total(invoice)) if invoice.kind != Invoice.Kind.CREDIT_NOTE else None
    body["seller"] = {"name": invoice.seller["name"], "address": invoice.seller["address"]}
    body["billTo"] = {"name": invoice.buyer["name"], "address": invoice.buyer["address"],
                      "agreementNumber": invoice.buyer["agreement_number"]}
    if invoice.kind == Invoice.Kind.STATEMENT:
        data = StatementData.from_json(invoice.snapshot.data)
        body["statementSummary"] = {
            "openingBalance": str(data.opening_balance), "purchases": str(data.purchases_total),
            "usageCharges": str(data.usage_total), "expiredFunds": str(data.expiries_total),
            "refundsAndAdjustments": str(data.adjustments_total),
            "closingBalance": str(data.closing_balance), "callCount": data.call_count,
        }
    return body


class InvoiceListView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]

    @list_schema
    def get(self, request):
        filters = parse_invoice_filters(request.query_params)
        top, skip = _paging(request.query_params)
        queryset = invoices_for_tenant(tenant=request.user.tenant, filters=filters)
        rows = list(queryset[skip:skip + top + 1])
        body = {"value": [invoice_json(invoice, request) for invoice in rows[:top]]}
        if len(rows) > top:
            params = request.query_params.copy()
            params["$top"] = str(top)
            params["$skip"] = str(skip + top)
            body["@odata.nextLink"] = request.build_absolute_uri(f"{request.path}?{params.urlencode(safe='$')}")
        return Response(render(INVOICE_LIST, body))


def _invoice_or_404(request, invoice_id):
    try:
        return invoice_for_tenant(tenant=request.user.tenant, invoice_id=uuid.UUID(invoice_id))
    except (ValueError, Invoice.DoesNotExist):
        raise ApiError(f"Invoice '{invoice_id}' does not exist in this organization.",
                       code="Request_ResourceNotFound", status_code=404)


class InvoiceDetailView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]

    @detail_schema
    def get(self, request, invoice_id):
        return Response(render(INVOICE_DETAIL, invoice_detail_json(_invoice_or_404(request, invoice_id), request)))


class InvoicePdfView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]

    @pdf_schema
    def get(self, request, invoice_id):
        invoice = _invoice_or_404(request, invoice_id)
        try:
            invoice = invoice_render_pdf(invoice_id=invoice.pk)
        except Exception:
            logger.exception("PDF of %s could not be rendered on download", invoice)
            raise ApiError(f"The PDF of {invoice} couldn't be created right now; retry later.",
                           code="serviceNotAvailable", status_code=503)
        return FileResponse(invoice.pdf.open("rb"), as_attachment=True, filename=invoice.pdf_filename,
                            content_type="application/pdf")
