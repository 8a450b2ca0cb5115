"""Real row locks on PostgreSQL: threads issuing for one tenant at once take every number exactly once."""
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from billing.invoices.models import Invoice, InvoiceCounter
from billing.invoices.services import credit_note_issue
from tests.concurrency import race
from tests.invoices.factories import purchase

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6
PER_THREAD = 5


def test_concurrent_purchases_take_every_number_once_with_no_gap(tenant):
    with mock.patch("billing.invoices.tasks.render_invoice_pdf.delay") as enqueue:
        errors = race(THREADS, lambda index: [purchase(tenant, reference=f"t{index}-{n}") for n in range(PER_THREAD)]).errors
    assert errors == []
    numbers = sorted(Invoice.objects.filter(tenant=tenant).values_list("number", flat=True))
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
    assert InvoiceCounter.objects.get(tenant=tenant).last_number == THREADS * PER_THREAD
    assert enqueue.call_count == THREADS * PER_THREAD


def test_the_same_purchase_delivered_to_several_threads_gets_one_invoice(tenant):
    with mock.patch("billing.invoices.tasks.render_invoice_pdf.delay"):
        results = []
        errors = race(THREADS, lambda index: results.append(purchase(tenant, "300.00", reference="recharge-77").pk)).errors
    assert errors == []
    assert len(set(results)) == 1 and Invoice.objects.filter(tenant=tenant).count() == 1
    assert InvoiceCounter.objects.get(tenant=tenant).last_number == 1


def test_concurrent_credit_notes_never_credit_more_than_the_invoice(tenant):
    with mock.patch("billing.invoices.tasks.render_invoice_pdf.delay"):
        invoice = purchase(tenant, "100.00")
        errors = race(THREADS, lambda index: credit_note_issue(invoice=invoice, amount=Decimal("30.00"),
                                                               reason=f"r{index}", actor=None)).raised(ValidationError)
    notes = Invoice.objects.filter(credited_invoice=invoice)
    assert notes.count() == 3 and len(errors) == THREADS - 3
    numbers = sorted(Invoice.objects.filter(tenant=tenant).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
