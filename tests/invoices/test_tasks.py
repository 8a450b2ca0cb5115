"""The render task: retried after a failure with the invoice still issued, and rendering only a missing PDF.

With eager propagation off, `apply()` runs the task the way a worker would, retries included (Celery
re-applies a retried task at once instead of after its countdown).
"""
from decimal import Decimal
from unittest import mock

import pytest

from billing.invoices import pdf
from billing.invoices.models import Invoice
from billing.invoices.tasks import render_invoice_pdf
from tests.invoices.factories import purchase

real_render = pdf.render_invoice_pdf_bytes


@pytest.fixture(autouse=True)
def worker_like_retries():
    conf = render_invoice_pdf.app.conf
    before = conf.task_eager_propagates
    conf.update(task_eager_propagates=False)
    yield
    conf.update(task_eager_propagates=before)


def test_a_failed_render_is_retried_and_the_invoice_stays_issued(tenant):
    invoice = purchase(tenant)
    with mock.patch.object(pdf, "render_invoice_pdf_bytes",
                           side_effect=[OSError("fontconfig cache locked"), real_render(invoice)]) as render:
        result = render_invoice_pdf.apply(args=[str(invoice.pk)])
    assert result.successful() and render.call_count == 2
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.pdf and invoice.render_attempts == 2 and invoice.last_render_error == ""
    assert (invoice.number, invoice.total, invoice.payment_status) == (1, Decimal("500.00"), "paid")


def test_a_render_that_keeps_failing_gives_up_after_its_retries_and_records_why(tenant):
    invoice = purchase(tenant)
    with mock.patch.object(pdf, "render_invoice_pdf_bytes", side_effect=OSError("disk full")) as render:
        result = render_invoice_pdf.apply(args=[str(invoice.pk)])
    assert result.failed() and render.call_count == render_invoice_pdf.max_retries + 1
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert not invoice.pdf and invoice.render_attempts == render_invoice_pdf.max_retries + 1
    assert invoice.last_render_error == "OSError: disk full"
    assert invoice.number == 1 and Invoice.objects.count() == 1


def test_the_task_declares_its_retries():
    assert render_invoice_pdf.autoretry_for == (Exception,)
    assert render_invoice_pdf.max_retries == 8 and render_invoice_pdf.retry_backoff


def test_a_pdf_is_rendered_only_when_it_is_missing(tenant):
    invoice = purchase(tenant)
    with mock.patch.object(pdf, "render_invoice_pdf_bytes", wraps=real_render) as render:
        render_invoice_pdf.apply(args=[str(invoice.pk)])
        render_invoice_pdf.apply(args=[str(invoice.pk)])
        assert render.call_count == 1
        invoice.refresh_from_db()
        invoice.pdf.storage.delete(invoice.pdf.name)
        render_invoice_pdf.apply(args=[str(invoice.pk)])
        assert render.call_count == 2
    invoice.refresh_from_db()
    assert invoice.pdf.storage.exists(invoice.pdf.name)


@pytest.mark.django_db(transaction=True)
def test_a_render_failing_after_the_commit_does_not_undo_the_purchase(tenant):
    with mock.patch.object(pdf, "render_invoice_pdf_bytes", side_effect=OSError("no fonts")):
        invoice = purchase(tenant)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.number == 1 and not invoice.pdf and invoice.render_attempts == render_invoice_pdf.max_retries + 1
    assert invoice.last_render_error == "OSError: no fonts"
