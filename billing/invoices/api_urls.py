"""Invoice endpoints under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("invoices", api.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/<str:invoice_id>", api.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<str:invoice_id>/pdf", api.InvoicePdfView.as_view(), name="api-invoice-pdf"),
]
