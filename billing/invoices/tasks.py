"""Background work of invoices: rendering a PDF after the invoice's transaction has committed."""
from celery import shared_task

from .services import invoice_render_pdf


@shared_task(name="billing.invoices.tasks.render_invoice_pdf", autoretry_for=(Exception,), retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True, max_retries=8, acks_late=True)
def render_invoice_pdf(invoice_id):
    """Renders the invoice's PDF unless it already has one; a failure is retried with backoff (about 40 min in all)."""
    invoice = invoice_render_pdf(invoice_id=invoice_id)
    return invoice.pdf.name
