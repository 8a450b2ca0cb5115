"""Reads of invoices that pages, the API and Home share; every one is scoped to a tenant."""
import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Tenant
from billing.credits.models import LedgerEntry

from .filters import InvoiceFilters
from .models import Invoice

LIST_FIELDS = ("id", "tenant_id", "number", "kind", "description", "issued_at", "issue_date", "due_date",
               "period_start", "period_end", "currency", "subtotal", "tax", "total", "payment_method", "payment_label",
               "po_number", "payment_status", "credited_invoice_id")


def invoices_for_tenant(*, tenant: Tenant, filters: InvoiceFilters) -> QuerySet[Invoice]:
    """The tenant's invoices, statements and credit notes matching `filters` (filters.InvoiceFilters), newest first."""
    queryset = filters.apply(Invoice.objects.filter(tenant=tenant).only(*LIST_FIELDS))
    return queryset.order_by("-issued_at", "-number")


def invoice_for_tenant(*, tenant: Tenant, invoice_id: UUID | str) -> Invoice:
    """One invoice of `tenant` with what its detail view shows; Invoice.DoesNotExist for another tenant's id."""
    return (Invoice.objects.select_related("credited_invoice").prefetch_related("lines", "credit_notes")
            .get(tenant=tenant, pk=invoice_id))


def latest_invoice(*, tenant: Tenant) -> Invoice | None:
    """The newest invoice or statement (a credit note corrects an invoice; the Home card leads with what is billed)."""
    return (Invoice.objects.filter(tenant=tenant).exclude(kind=Invoice.Kind.CREDIT_NOTE).only(*LIST_FIELDS)
            .order_by("-issued_at", "-number").first())


def tenants_with_credit_activity(*, before: datetime.datetime) -> QuerySet[Tenant]:
    """Tenants whose credits ledger has an entry dated before `before`: those a monthly statement is due for."""
    activity = LedgerEntry.objects.filter(account__tenant=OuterRef("pk"), created_at__lt=before)
    return Tenant.objects.filter(Exists(activity)).order_by("initial_domain")


def invoice_for_purchase(*, tenant: Tenant, purchase_id: object) -> Invoice | None:
    """The invoice of one credit purchase (reference `purchase:<id>`), or None."""
    return Invoice.objects.filter(tenant=tenant, reference=f"purchase:{purchase_id}").first()
