"""Billing > Bills & payments: the invoice list with its filters, an invoice's detail and its PDF download."""
import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from accounts.navigation import url_or_none
from accounts.permissions import admin_required
from accounts.roles import Cap

from .filters import STATUSES, TYPES, parse_invoice_filters
from .models import Invoice
from .selectors import invoice_for_tenant, invoices_for_tenant
from .services import invoice_credited_total, invoice_render_pdf
from .statements import StatementData

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


@admin_required(Cap.BILLING_READ)
def bills(request):
    try:
        filters = parse_invoice_filters(request.GET)
    except ValidationError as exc:
        filters, errors = None, exc.message_dict
    else:
        errors = {}
    page = None
    if filters is not None:
        page = Paginator(invoices_for_tenant(tenant=request.tenant, filters=filters), PAGE_SIZE).get_page(
            request.GET.get("page"))
    return render(request, "invoices/bills.html", {
        "page": page,
        "filters": filters,
        "errors": errors,
        "params": request.GET,
        "types": TYPES,
        "statuses": STATUSES,
        "payment_methods_url": url_or_none("billing:payment_methods"),
    }, status=400 if errors else 200)


def _invoice_or_404(request, invoice_id):
    try:
        return invoice_for_tenant(tenant=request.tenant, invoice_id=invoice_id)
    except Invoice.DoesNotExist:
        raise Http404("No invoice with this id in your organization.")


@admin_required(Cap.BILLING_READ)
def invoice_detail(request, invoice_id):
    invoice = _invoice_or_404(request, invoice_id)
    credited = invoice_credited_total(invoice) if invoice.kind != Invoice.Kind.CREDIT_NOTE else None
    statement = None
    if invoice.kind == Invoice.Kind.STATEMENT:
        statement = StatementData.from_json(invoice.snapshot.data)
    return render(request, "invoices/detail.html", {
        "invoice": invoice,
        "lines": invoice.lines.all(),
        "credit_notes": sorted(invoice.credit_notes.all(), key=lambda note: note.number),
        "credited": credited,
        "statement": statement,
        "usage_by_user": sorted(statement.usage_by_user, key=lambda row: -row.amount) if statement else (),
    })


@admin_required(Cap.BILLING_READ)
def invoice_pdf(request, invoice_id):
    invoice = _invoice_or_404(request, invoice_id)
    try:
        # Normally the task has rendered it after the commit; otherwise (first download of demo data, a
        # render still retrying, a lost file) render it now.
        invoice = invoice_render_pdf(invoice_id=invoice.pk)
    except Exception:
        logger.exception("PDF of %s could not be rendered on download", invoice)
        messages.error(request, f"The PDF of {invoice} couldn't be created right now. Try again in a few minutes.")
        return redirect("invoices:detail", invoice_id=invoice.pk)
    return FileResponse(invoice.pdf.open("rb"), as_attachment=True, filename=invoice.pdf_filename,
                        content_type="application/pdf")
