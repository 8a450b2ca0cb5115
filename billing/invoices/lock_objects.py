"""Row locks of the invoices app. Lock order: the tenant's invoice counter first, then any invoice row."""
from uuid import UUID

from accounts.models import Tenant

from .models import Invoice, InvoiceCounter


def invoice_counter_for_update(*, tenant: Tenant) -> InvoiceCounter:
    """The tenant's counter row, created on first use and locked until the caller's transaction ends.

    Every issue of an invoice, statement or credit note for one tenant holds this lock, so numbers are
    taken one at a time and a rolled-back transaction gives its number back (no gaps).
    """
    # INSERT ... ON CONFLICT DO NOTHING: two first issues racing both end up locking the one row.
    InvoiceCounter.objects.bulk_create([InvoiceCounter(tenant=tenant)], ignore_conflicts=True)
    return InvoiceCounter.objects.select_for_update().get(tenant=tenant)


def invoice_for_update(*, invoice_id: UUID, tenant: Tenant) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id, tenant=tenant)
