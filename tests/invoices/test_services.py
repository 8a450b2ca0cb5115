"""Issuing invoices, statements and credit notes: numbering, idempotency, immutability and bad input."""
import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AuditLog
from billing.invoices.models import Invoice, InvoiceCounter, InvoiceLine, IssuedInvoiceError, StatementSnapshot
from billing.invoices.services import credit_note_issue, invoice_issue_for_purchase, invoice_record_payment
from billing.invoices.statements import (
    UNKNOWN_COUNTRY,
    CountryUsage,
    StatementAdjustment,
    StatementData,
    StatementPurchase,
)
from tests.invoices.factories import CARD, PO, empty_data, purchase, statement, statement_data


def test_numbers_are_sequential_per_tenant_from_one(tenant, other_tenant):
    numbers = [(purchase(t).tenant_id, purchase(t).number) for t in (tenant, other_tenant, tenant)]
    assert [n for _, n in numbers] == [2, 2, 4]
    assert sorted(Invoice.objects.filter(tenant=tenant).values_list("number", flat=True)) == [1, 2, 3, 4]
    assert Invoice.objects.get(tenant=tenant, number=1).display_number == "G000000001"


def test_statements_and_credit_notes_share_the_tenant_sequence(tenant):
    invoice = purchase(tenant)
    report = statement(tenant)
    note = credit_note_issue(invoice=invoice, amount=Decimal("10.00"), reason="Duplicate charge", actor=None)
    assert [invoice.number, report.number, note.number] == [1, 2, 3]


def test_the_same_reference_returns_the_first_invoice_and_takes_no_number(tenant):
    first = purchase(tenant, reference="recharge-42")
    again = purchase(tenant, reference="recharge-42")
    assert again.pk == first.pk
    assert InvoiceCounter.objects.get(tenant=tenant).last_number == 1
    assert purchase(tenant).number == 2


def test_the_same_reference_for_another_amount_is_refused(tenant):
    purchase(tenant, "500.00", reference="recharge-42")
    with pytest.raises(ValidationError) as exc:
        purchase(tenant, "700.00", reference="recharge-42")
    assert "reference" in exc.value.message_dict


def test_a_rolled_back_purchase_gives_its_number_back(tenant):
    purchase(tenant)
    with pytest.raises(RuntimeError), transaction.atomic():
        purchase(tenant)
        raise RuntimeError("the card charge failed after the invoice was issued")
    assert purchase(tenant).number == 2


def test_card_purchase_is_paid_and_invoice_purchase_is_due_after_the_payment_terms(tenant, settings, clock):
    settings.INVOICE_SELLER = {"payment_terms_days": 45}
    issued_at = clock.at(2026, 5, 4, 10)
    paid = purchase(tenant, payment=CARD, issued_at=issued_at)
    due = purchase(tenant, payment=PO, issued_at=issued_at)
    assert (paid.payment_status, paid.due_date, paid.amount_due) == ("paid", date(2026, 5, 4), Decimal("0.00"))
    assert (due.payment_status, due.due_date, due.amount_due) == ("due", date(2026, 6, 18), Decimal("500.00"))
    assert due.po_number == "PO-7781" and not due.is_past_due and due.status_label == "Due"
    clock.at(2026, 6, 18, 23, 59)
    assert not due.is_past_due
    clock.at(2026, 6, 19, 0, 0)
    assert due.is_past_due and due.status_label == "Past due"


def test_tax_is_zero_by_default_and_follows_the_configured_rate(tenant, settings):
    untaxed = purchase(tenant, "1000.00")
    assert (untaxed.subtotal, untaxed.tax, untaxed.total) == (Decimal("1000.00"), Decimal("0.00"), Decimal("1000.00"))
    settings.INVOICE_SELLER = {"tax_rate": "0.0825", "tax_label": "Sales tax"}
    taxed = purchase(tenant, "999.99")
    assert (taxed.tax, taxed.total, taxed.tax_label) == (Decimal("82.50"), Decimal("1082.49"), "Sales tax")


def test_a_bad_tax_rate_setting_is_named(tenant, settings):
    settings.INVOICE_SELLER = {"tax_rate": "8.25"}
    with pytest.raises(ValidationError, match="between 0 and 1"):
        purchase(tenant)


def test_the_invoice_keeps_the_address_it_was_issued_with(tenant):
    invoice = purchase(tenant)
    tenant.billing_address = "New Street 9\nSeattle"
    tenant.save()
    invoice.refresh_from_db()
    assert invoice.buyer["address"] == "1 Main Street\nSpringfield"


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": 500.0}, "amount"),
    ({"amount": Decimal("10.005")}, "amount"),
    ({"amount": Decimal("0")}, "amount"),
    ({"description": "  "}, "description"),
    ({"reference": ""}, "reference"),
    ({"payment": {**CARD, "method": "cash"}}, "payment.method"),
    ({"payment": {**CARD, "paid": "yes"}}, "payment.paid"),
    ({"payment": {**CARD, "label": ""}}, "payment.label"),
    ({"payment": {**CARD, "bank": "x"}}, "payment"),
    ({"issued_at": datetime(2026, 1, 1)}, "issued_at"),
])
def test_bad_purchase_input_is_refused_naming_the_field(tenant, changes, field):
    kwargs = {"tenant": tenant, "amount": Decimal("100.00"), "description": "Credits", "payment": CARD,
              "reference": "r-1", "actor": None, **changes}
    with pytest.raises(ValidationError) as exc:
        invoice_issue_for_purchase(**kwargs)
    assert field in exc.value.message_dict
    assert not Invoice.objects.exists() and not InvoiceCounter.objects.exists()


def test_a_statement_is_issued_once_per_month(tenant):
    first = statement(tenant, date(2026, 3, 1))
    again = statement(tenant, date(2026, 3, 17), data=statement_data(date(2026, 3, 1), calls=5))
    assert again.pk == first.pk
    assert Invoice.objects.filter(kind="statement").count() == 1
    assert (first.period_start, first.period_end) == (date(2026, 3, 1), date(2026, 3, 31))


def test_statement_lines_are_usage_by_country_and_total_the_usage(tenant):
    data = statement_data(date(2026, 3, 1), calls=60)
    report = statement(tenant, data=data)
    lines = list(report.lines.all())
    assert sum(line.amount for line in lines) == data.usage_total == report.total
    assert len(lines) == len(data.usage_by_country)
    assert report.payment_status == "noPaymentDue" and report.amount_due == Decimal("0.00")
    assert StatementSnapshot.objects.get(invoice=report).data == data.to_json()


def test_a_month_without_activity_is_an_empty_statement(tenant):
    report = statement(tenant, date(2026, 2, 1), data=empty_data("250.00"))
    assert report.total == Decimal("0.00") and report.kind == "statement"
    assert not report.lines.exists()
    assert report.snapshot.data["opening_balance"] == report.snapshot.data["closing_balance"] == "250.00"


def test_a_statement_for_a_month_not_over_is_refused(tenant):
    with pytest.raises(ValidationError, match="once the month has ended"):
        from billing.invoices.services import statement_issue

        statement_issue(tenant=tenant, month=date(2026, 3, 1), data=empty_data(), actor=None,
                        issued_at=datetime(2026, 3, 31, 23, tzinfo=UTC))


def test_statement_data_that_does_not_add_up_is_refused_naming_the_field(tenant):
    data = statement_data(date(2026, 3, 1), calls=10)
    wrong_closing = replace(data, closing_balance=data.closing_balance + Decimal("1.00"))
    with pytest.raises(ValidationError) as exc:
        statement(tenant, data=wrong_closing)
    assert "closing_balance" in exc.value.message_dict
    fewer_calls = replace(data, calls=data.calls[1:])
    with pytest.raises(ValidationError) as exc:
        statement(tenant, data=fewer_calls)
    assert "calls" in exc.value.message_dict
    assert not Invoice.objects.exists()


def test_statement_data_outside_the_month_or_with_floats_names_the_item(tenant):
    month = date(2026, 3, 1)
    data = statement_data(month, calls=4, purchases=[StatementPurchase(date=date(2026, 4, 2), description="Top-up",
                                                                       amount=Decimal("100.00"))])
    with pytest.raises(ValidationError) as exc:
        statement(tenant, data=data)
    assert "purchases[0].date" in exc.value.message_dict
    bad_float = replace(statement_data(month, calls=4),
                        purchases=(StatementPurchase(date=date(2026, 3, 2), description="Top-up", amount=100.0),))
    with pytest.raises(ValidationError) as exc:
        statement(tenant, data=bad_float)
    assert "purchases[0].amount" in exc.value.message_dict


def test_statement_data_round_trips_through_json():
    data = statement_data(date(2026, 3, 1), calls=25, purchases=[
        StatementPurchase(date=date(2026, 3, 9), description="Auto-recharge", amount=Decimal("2000.00"),
                          invoice_number="G000000007")])
    assert data.__class__.from_json(data.to_json()) == data


def test_a_credit_note_is_negative_and_points_at_its_invoice(tenant, billing_admin):
    invoice = purchase(tenant, "500.00")
    note = credit_note_issue(invoice=invoice, amount=Decimal("120.00"), reason="Price correction", actor=billing_admin)
    assert (note.kind, note.subtotal, note.total, note.credited_invoice_id) == (
        "creditNote", Decimal("-120.00"), Decimal("-120.00"), invoice.pk)
    assert note.payment_status == "creditIssued" and note.reason == "Price correction"
    invoice.refresh_from_db()
    assert invoice.total == Decimal("500.00") and invoice.lines.get().amount == Decimal("500.00")


def test_credit_notes_never_exceed_what_the_invoice_charged(tenant):
    invoice = purchase(tenant, "100.00")
    credit_note_issue(invoice=invoice, amount=Decimal("60.00"), reason="Partial refund", actor=None)
    with pytest.raises(ValidationError, match="40.00 USD that can still be credited"):
        credit_note_issue(invoice=invoice, amount=Decimal("40.01"), reason="Too much", actor=None)
    credit_note_issue(invoice=invoice, amount=Decimal("40.00"), reason="The rest", actor=None)
    assert invoice.credit_notes.count() == 2


def test_a_credit_note_cannot_be_credited(tenant):
    note = credit_note_issue(invoice=purchase(tenant), amount=Decimal("1.00"), reason="x", actor=None)
    with pytest.raises(ValidationError, match="itself a credit note"):
        credit_note_issue(invoice=note, amount=Decimal("1.00"), reason="y", actor=None)


def test_an_issued_invoice_never_changes(tenant):
    invoice = purchase(tenant, "500.00")
    invoice.total = Decimal("1.00")
    with pytest.raises(IssuedInvoiceError):
        invoice.save()
    with pytest.raises(IssuedInvoiceError):
        invoice.save(update_fields=["total"])
    with pytest.raises(IssuedInvoiceError):
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))
    with pytest.raises(IssuedInvoiceError):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(IssuedInvoiceError):
        invoice.delete()
    line = InvoiceLine.objects.get(invoice=invoice)
    line.amount = Decimal("1.00")
    with pytest.raises(IssuedInvoiceError):
        line.save()
    with pytest.raises(IssuedInvoiceError):
        InvoiceLine.objects.filter(pk=line.pk).update(amount=Decimal("1.00"))
    with pytest.raises(IssuedInvoiceError):
        line.delete()
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("500.00")
    assert InvoiceLine.objects.get(pk=line.pk).amount == Decimal("500.00")


def test_the_pdf_and_payment_record_of_an_issued_invoice_may_change(tenant):
    invoice = purchase(tenant, payment=PO)
    Invoice.objects.filter(pk=invoice.pk).update(render_attempts=1)
    paid = invoice_record_payment(invoice=invoice, actor=None)
    assert paid.payment_status == "paid" and paid.paid_at is not None


def test_the_database_refuses_a_second_invoice_with_the_same_number(tenant):
    invoice = purchase(tenant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**{f.attname: getattr(invoice, f.attname) for f in Invoice._meta.concrete_fields
                                  if f.attname != "id" and f.attname != "reference"})


def test_issuing_writes_an_audit_row_naming_the_actor(tenant, billing_admin):
    invoice = purchase(tenant, actor=billing_admin)
    entry = AuditLog.objects.get(action="invoice.issue_purchase")
    assert entry.actor == billing_admin and entry.target_id == str(invoice.pk)
    assert entry.after == {"number": "G000000001", "total": "500.00", "currency": "USD"}


def test_recording_a_payment_is_for_due_invoices_only(tenant):
    with pytest.raises(ValidationError, match="no payment due"):
        invoice_record_payment(invoice=statement(tenant), actor=None)
    due = purchase(tenant, payment=PO, issued_at=datetime(2026, 1, 5, tzinfo=UTC))
    paid = invoice_record_payment(invoice=due, paid_at=datetime(2026, 1, 20, tzinfo=UTC), actor=None)
    assert paid.status_label == "Paid" and not paid.is_past_due
    assert AuditLog.objects.filter(action="invoice.record_payment").count() == 1


def test_the_pdf_is_rendered_after_the_commit(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = purchase(tenant)
    invoice.refresh_from_db()
    assert not invoice.pdf and len(callbacks) == 1
    callbacks[0]()
    invoice.refresh_from_db()
    assert invoice.pdf.name.endswith(f"{tenant.pk}/Invoice_G000000001.pdf")
    assert invoice.pdf_rendered_at is not None and invoice.render_attempts == 1


def test_a_statement_may_be_issued_for_any_past_month(tenant):
    report = statement(tenant, date(2025, 12, 1))
    assert report.period_end == date(2025, 12, 31)
    assert report.issue_date == date(2026, 1, 1) and report.issued_at.date() - report.period_end == timedelta(days=1)


def test_refunds_and_adjustments_count_in_the_closing_balance():
    data = statement_data(date(2026, 3, 1), calls=8, opening="300.00")
    adjustments = (StatementAdjustment(date=date(2026, 3, 5), description="Refund", amount=Decimal("-50.00")),
                   StatementAdjustment(date=date(2026, 3, 6), description="Goodwill", amount=Decimal("7.25")))
    adjusted = replace(data, adjustments=adjustments, closing_balance=data.closing_balance - Decimal("42.75"))
    adjusted.validate(month=date(2026, 3, 1))
    assert adjusted.adjustments_total == Decimal("-42.75") and not adjusted.is_empty
    with pytest.raises(ValidationError) as exc:
        replace(adjusted, closing_balance=data.closing_balance).validate(month=date(2026, 3, 1))
    assert "+ adjustments -42.75" in exc.value.message_dict["closing_balance"][0]


@pytest.mark.parametrize(("adjustment", "field"), [
    (StatementAdjustment(date=date(2026, 3, 5), description="Nothing", amount=Decimal("0.00")), "adjustments[0].amount"),
    (StatementAdjustment(date=date(2026, 4, 1), description="Late", amount=Decimal("1.00")), "adjustments[0].date"),
    (StatementAdjustment(date=date(2026, 3, 5), description="Float", amount=1.5), "adjustments[0].amount"),
])
def test_a_bad_adjustment_is_named(adjustment, field):
    data = StatementData(opening_balance=Decimal("10.00"), closing_balance=Decimal("11.00"), adjustments=(adjustment,))
    with pytest.raises(ValidationError) as exc:
        data.validate(month=date(2026, 3, 1))
    assert field in exc.value.message_dict


def test_calls_charged_in_the_month_may_have_started_before_it_but_not_after():
    month = date(2026, 3, 1)
    data = statement_data(month, calls=3)
    first = data.calls[0]
    replace(data, calls=(replace(first, started_at=datetime(2026, 2, 28, 23, 50, tzinfo=UTC)), *data.calls[1:])
            ).validate(month=month)
    with pytest.raises(ValidationError) as exc:
        replace(data, calls=(replace(first, started_at=datetime(2026, 4, 1, 0, 5, tzinfo=UTC)), *data.calls[1:])
                ).validate(month=month)
    assert "after the statement month March 2026" in exc.value.message_dict["calls[0].started_at"][0]


def test_usage_of_an_unknown_destination_is_allowed_and_named_unknown(tenant):
    month = date(2026, 3, 1)
    data = statement_data(month, calls=3)
    unknown = replace(data.calls[0], country=UNKNOWN_COUNTRY)
    by_country = [replace(row, calls=row.calls - 1, minutes=row.minutes - math.ceil(unknown.duration_seconds / 60),
                          amount=row.amount - unknown.charge) if row.country == data.calls[0].country else row
                  for row in data.usage_by_country]
    by_country = tuple(row for row in by_country if row.calls) + (
        CountryUsage(country=UNKNOWN_COUNTRY, calls=1, minutes=math.ceil(unknown.duration_seconds / 60),
                     amount=unknown.charge),)
    report = statement(tenant, data=replace(data, calls=(unknown, *data.calls[1:]), usage_by_country=by_country))
    assert "Calls to unknown destinations" in [line.description for line in report.lines.all()]
    with pytest.raises(ValidationError) as exc:
        replace(data, calls=(replace(unknown, country="XX"), *data.calls[1:])).validate(month=month)
    assert "'XX' is not an ISO 3166 two-letter country code." in exc.value.message_dict["calls[0].country"][0]


def test_adjustments_round_trip_through_json_and_older_snapshots_have_none():
    data = replace(statement_data(date(2026, 3, 1), calls=3), adjustments=(
        StatementAdjustment(date=date(2026, 3, 5), description="Refund", amount=Decimal("-50.00")),))
    assert StatementData.from_json(data.to_json()) == data
    older = data.to_json()
    del older["adjustments"]
    assert StatementData.from_json(older).adjustments == ()
