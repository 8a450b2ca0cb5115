"""The invoice endpoints' answers (output serializers the views render with) and their OpenAPI descriptions
(drf-spectacular), kept apart from the views they describe."""
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from core.serializers import Money, answer, collection

from .filters import STATUSES, TYPES

_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='Graph-style error: {"error": {"code", "message"}}')

_INVOICE_FIELDS: dict[str, Any] = {
    "id": serializers.UUIDField(),
    "invoiceNumber": serializers.CharField(),
    "type": serializers.CharField(help_text=", ".join(TYPES)),
    "description": serializers.CharField(),
    "issuedDateTime": serializers.DateTimeField(),
    "invoiceDate": serializers.DateField(),
    "dueDate": serializers.DateField(),
    "billingPeriodStartDate": serializers.DateField(allow_null=True),
    "billingPeriodEndDate": serializers.DateField(allow_null=True),
    "currency": serializers.CharField(),
    "subtotalAmount": Money(),
    "taxAmount": Money(),
    "totalAmount": Money(),
    "amountDue": Money(),
    "status": serializers.CharField(help_text=", ".join(STATUSES)),
    "paymentMethod": answer("InvoicePaymentMethod", {
        "method": serializers.CharField(), "label": serializers.CharField(),
        "poNumber": serializers.CharField(allow_blank=True)})(),
    "creditedInvoiceId": serializers.UUIDField(allow_null=True, help_text="A credit note: the invoice it credits."),
    "pdfUrl": serializers.URLField(),
}
INVOICE = answer("Invoice", _INVOICE_FIELDS)
INVOICE_LIST = collection("InvoiceList", INVOICE())
INVOICE_DETAIL = answer("InvoiceDetail", {
    **_INVOICE_FIELDS,
    "reason": serializers.CharField(allow_blank=True),
    "lines": answer("InvoiceLine", {
        "position": serializers.IntegerField(), "description": serializers.CharField(),
        "detail": serializers.CharField(allow_blank=True), "quantity": serializers.CharField(),
        "unit": serializers.CharField(allow_blank=True), "unitPrice": Money(), "amount": Money()})(many=True),
    "creditNoteIds": serializers.ListField(child=serializers.UUIDField()),
    "creditedAmount": Money(allow_null=True, help_text="Credited by credit notes so far; null on a credit note."),
    "seller": answer("InvoiceSeller", {"name": serializers.CharField(), "address": serializers.CharField()})(),
    "billTo": answer("InvoiceBillTo", {
        "name": serializers.CharField(), "address": serializers.CharField(allow_blank=True),
        "agreementNumber": serializers.CharField(allow_blank=True, allow_null=True)})(),
    "statementSummary": answer("StatementSummary", {
        "openingBalance": Money(), "purchases": Money(), "usageCharges": Money(), "expiredFunds": Money(),
        "refundsAndAdjustments": Money(), "closingBalance": Money(), "callCount": serializers.IntegerField()})(
        required=False, help_text="Statements only."),
})

list_schema = extend_schema(
    operation_id="invoices_list",
    summary="List invoices, statements and credit notes",
    parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="Issued on or after (YYYY-MM-DD)"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Issued on or before (YYYY-MM-DD)"),
        OpenApiParameter("type", OpenApiTypes.STR, enum=list(TYPES)),
        OpenApiParameter("status", OpenApiTypes.STR, enum=list(STATUSES)),
        OpenApiParameter("$top", OpenApiTypes.INT, description="Page size, 1-200 (default 50)"),
        OpenApiParameter("$skip", OpenApiTypes.INT, description="Rows to skip"),
    ],
    responses={200: INVOICE_LIST, 400: _ERROR, 403: _ERROR},
)
detail_schema = extend_schema(operation_id="invoices_get", summary="One invoice with its lines",
                              responses={200: INVOICE_DETAIL, 404: _ERROR})
pdf_schema = extend_schema(operation_id="invoices_pdf", summary="The invoice's PDF",
                           responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: _ERROR, 503: _ERROR})
