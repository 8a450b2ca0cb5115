"""Pages of Billing > Bills & payments."""
from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("billing/bills/", views.bills, name="bills"),
    path("billing/bills/<uuid:invoice_id>/", views.invoice_detail, name="detail"),
    path("billing/bills/<uuid:invoice_id>/pdf/", views.invoice_pdf, name="pdf"),
]
