"""Background work of invoices: rendering a PDF after the invoice's transaction has committed, and the monthly
statements issued on the first of each month."""
from datetime import date

from celery import shared_task
from django.utils import timezone

from .services import invoice_render_pdf, statements_issue_for_month


class StatementsIncomplete(Exception):
    """Some tenants' statements could not be issued; the task runs again for them (the others are done)."""


@shared_task(name="billing.invoices.tasks.render_invoice_pdf", autoretry_for=(Exception,), retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True, max_retries=8, acks_late=True)
def render_invoice_pdf(invoice_id):
    """Renders the invoice's PDF unless it already has one; a failure is retried with backoff (about 40 min in all)."""
    invoice = invoice_render_pdf(invoice_id=invoice_id)
    return invoice.pdf.name


def previous_month(today):
    """The first day of the month before `today`'s."""
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


@shared_task(name="billing.invoices.tasks.issue_monthly_statements", autoretry_for=(StatementsIncomplete,),
             retry_backoff=600, retry_backoff_max=3600, retry_jitter=False, max_retries=3, acks_late=True)
def issue_monthly_statements(month=None):
    """Issues last month's statement (or `month`, "YYYY-MM-DD" of any day in it) for every tenant with credit
    activity. Safe to run twice: a tenant's month is issued once. Tenants that failed are retried (about
    70 minutes in all) without touching the others.
    """
    month = date.fromisoformat(month) if month else previous_month(timezone.now().date())
    run = statements_issue_for_month(month=month)
    if run.failed:
        raise StatementsIncomplete(f"{len(run.failed)} of {len(run.failed) + len(run.issued) + len(run.existing)} "
                                   f"statements for {month:%B %Y} failed: "
                                   + "; ".join(f"{tenant.initial_domain}: {error}" for tenant, error in run.failed))
    return {"month": run.month.isoformat(), "issued": len(run.issued), "existing": len(run.existing)}
