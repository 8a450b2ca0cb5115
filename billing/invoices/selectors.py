"""Reads of invoices that pages, the API and Home share; every one is scoped to a tenant."""
from django.db.models import Exists, OuterRef

from accounts.models import Tenant
from billing.credits.models import LedgerEntry

from .models import Invoice

LIST_FIELDS = ("id", "tenant_id", "number", "kind", "description", "issued_at", "issue_date", "due_date",
               "period_start", "period_end", "currency", "subtotal", "tax", "total", "payment_method", "payment_label",
               "po_number", "payment_status", "credited_invoice_id")


def invoices_for_tenant(*, tenant, filters):
    """The tenant's invoices, statements and credit notes matching `filters` (filters.InvoiceFilters), newest first."""
    queryset = filters.apply(Invoice.objects.filter(tenant=tenant).only(*LIST_FIELDS))
    return queryset.order_by("-issued_at", "-number")


def invoice_for_tenant(*, tenant, invoice_id):
    """One invoice of `tenant` with what its detail view shows; Invoice.DoesNotExist for another tenant's id."""
    return (Invoice.objects.select_related("credited_invoice").prefetch_related("lines", "credit_notes")
            .get(tenant=tenant, pk=invoice_id))


def latest_invoice(*, tenant):
    """The newest invoice or statement (a credit note corrects an invoice; the Home card leads with what is billed)."""
    return (Invoice.objects.filter(tenant=tenant).exclude(kind=Invoice.Kind.CREDIT_NOTE).only(*LIST_FIELDS)
            .order_by("-issued_at", "-number").first())


def tenants_with_credit_activity(*, before):
    """Tenants whose credits ledger has an entry dated before `before`: those a monthly statement is due for."""
    activity = LedgerEntry.objects.filter(account__tenant=OuterRef("pk"), created_at__lt=before)
    return Tenant.objects.filter(Exists(activity)).order_by("initial_domain")
