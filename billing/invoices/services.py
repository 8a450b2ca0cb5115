"""Issuing invoices, monthly statements and credit notes, recording payments and rendering their PDFs.

Numbers come from the tenant's counter row, locked for the length of the issuing transaction, so they
are sequential per tenant with no gaps (a rollback gives the number back) and never reused.
"""
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Tenant
from accounts.services import audit_record
from billing.webhooks.events import EventType
from billing.webhooks.services import webhook_emit
from core.validation import country_name

from .lock_objects import invoice_counter_for_update, invoice_for_update
from .models import Invoice, InvoiceCounter, InvoiceLine, StatementSnapshot
from .selectors import tenants_with_credit_activity
from .statement_data import month_span, statement_data_for
from .statements import CENT, ZERO, StatementData, country_label, month_bounds

logger = logging.getLogger(__name__)

DEFAULT_SELLER = {
    "name": "Microsoft Corporation",
    "address": "One Microsoft Way\nRedmond, WA 98052-6399\nUnited States",
    "tax_id": "",
    "email": "billing@admin.example",
    "website": "admin.example",
    "tax_rate": "0",
    "tax_label": "Tax",
    "payment_terms_days": 30,
    "remittance": "Wire transfer: Contoso Bank N.A., account 000123456789, routing 021000021. Quote the invoice number.",
}

PAYMENT_METHODS = ("card", "invoice")


def seller_settings() -> dict[str, Any]:
    """The operator's seller details: `settings.INVOICE_SELLER` over the defaults."""
    seller = {**DEFAULT_SELLER, **settings.INVOICE_SELLER}
    try:
        rate = Decimal(str(seller["tax_rate"]))
    except ArithmeticError:
        raise ValidationError({"INVOICE_SELLER.tax_rate": f"{seller['tax_rate']!r} is not a decimal rate such as 0.0825."})
    if not rate.is_finite() or not Decimal("0") <= rate < Decimal("1"):
        raise ValidationError({"INVOICE_SELLER.tax_rate": f"{rate} must be between 0 and 1 (0.0825 for 8.25%)."})
    seller["tax_rate"] = str(rate)
    seller["payment_terms_days"] = int(seller["payment_terms_days"])
    return seller


def _buyer(tenant: Tenant) -> dict[str, str]:
    return {
        "name": tenant.name,
        "address": tenant.billing_address,
        "country": country_name(tenant.billing_country),
        "domain": tenant.initial_domain,
        "billing_account_kind": tenant.get_billing_account_kind_display(),
        "agreement_number": tenant.agreement_number,
    }


def _take_number(counter: InvoiceCounter) -> int:
    """The next number from a counter row the caller has locked (lock_objects.invoice_counter_for_update)."""
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _clean_amount(value: object, field: str = "amount") -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError({field: f"Enter the amount as a Decimal, not {type(value).__name__} {value!r}."})
    if value != value.quantize(CENT):
        raise ValidationError({field: f"{value} has more than two decimal places."})
    if value <= 0:
        raise ValidationError({field: f"The amount must be more than 0.00, not {value}."})
    return value


def _clean_text(value: object, field: str, *, max_length: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: f"must be text, not {type(value).__name__}."})
    if required and not text:
        raise ValidationError({field: "This field is required."})
    if len(text) > max_length:
        raise ValidationError({field: f"Use at most {max_length} characters ({len(text)} given)."})
    return text


def _clean_issued_at(issued_at: object) -> datetime:
    if issued_at is None:
        return timezone.now()
    if not isinstance(issued_at, datetime) or timezone.is_naive(issued_at):
        raise ValidationError({"issued_at": "must be a timezone-aware datetime."})
    return issued_at


def _clean_payment(payment: object) -> dict[str, Any]:
    if not isinstance(payment, dict):
        raise ValidationError({"payment": "must be a dict with method, label, po_number and paid."})
    unknown = set(payment) - {"method", "label", "po_number", "paid"}
    if unknown:
        raise ValidationError({"payment": f"unknown keys {sorted(unknown)}."})
    method = payment.get("method")
    if method not in PAYMENT_METHODS:
        raise ValidationError({"payment.method": f"{method!r} is not one of {', '.join(PAYMENT_METHODS)}."})
    paid = payment.get("paid")
    if not isinstance(paid, bool):
        raise ValidationError({"payment.paid": f"must be True or False, not {paid!r}."})
    return {
        "method": method,
        "label": _clean_text(payment.get("label"), "payment.label", max_length=120, required=method == "card"),
        "po_number": _clean_text(payment.get("po_number"), "payment.po_number", max_length=60, required=False),
        "paid": paid,
    }


def _tax(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_tax_for(amount: Decimal) -> tuple[str, Decimal, Decimal]:
    """(tax label, rate, tax) that a purchase invoice of `amount` (before tax) carries: what a review shows first."""
    seller = seller_settings()
    rate = Decimal(seller["tax_rate"])
    return seller["tax_label"], rate, _tax(amount, rate)


def _enqueue_render(invoice_id: UUID) -> None:
    from .tasks import render_invoice_pdf

    render_invoice_pdf.delay(str(invoice_id))


def _after_commit_render(invoice: Invoice) -> None:
    invoice_id = invoice.pk

    def enqueue_render() -> None:
        _enqueue_render(invoice_id)

    # robust: a broker outage must not fail the purchase that already committed; the PDF is then
    # rendered on first download instead.
    transaction.on_commit(enqueue_render, robust=True)


def _audit_issue(invoice: Invoice, actor: object) -> None:
    audit_record(tenant=invoice.tenant, actor=actor, action=f"invoice.issue_{invoice.kind}", target=invoice,
                 target_label=str(invoice),
                 after={"number": invoice.display_number, "total": str(invoice.total), "currency": invoice.currency})
    webhook_emit(tenant=invoice.tenant, type=EventType.INVOICE_ISSUED, source_key=f"invoice:{invoice.pk}",
                 data={"invoice_id": invoice.pk, "number": invoice.display_number, "kind": invoice.kind,
                       "total": invoice.total, "currency": invoice.currency, "issued_at": invoice.issued_at})


def invoice_issue_for_purchase(*, tenant: Tenant, amount: Decimal, description: str, payment: dict[str, Any], reference: str,
                               issued_at: datetime | None = None, actor: object) -> Invoice:
    """The invoice of one credit purchase (one-time or auto-recharge); the same reference returns the first invoice.

    `amount` is the credit bought, before tax; the invoice's total adds the configured tax (zero by default).
    Runs inside the purchaser's transaction; the PDF is rendered after the commit.
    """
    amount = _clean_amount(amount)
    description = _clean_text(description, "description", max_length=300)
    reference = _clean_text(reference, "reference", max_length=120)
    payment = _clean_payment(payment)
    issued_at = _clean_issued_at(issued_at)
    seller = seller_settings()
    with transaction.atomic():
        existing = Invoice.objects.filter(tenant=tenant, reference=reference).first()
        if existing is None:
            counter = invoice_counter_for_update(tenant=tenant)
            # Read again under the lock: a racing call with the same reference has committed by now.
            existing = Invoice.objects.filter(tenant=tenant, reference=reference).first()
        if existing is not None:
            if existing.kind != Invoice.Kind.PURCHASE or existing.subtotal != amount:
                raise ValidationError({"reference": f"'{reference}' already identifies {existing} for "
                                                    f"{existing.subtotal} {existing.currency}, not this purchase."})
            return existing
        number = _take_number(counter)
        rate = Decimal(seller["tax_rate"])
        tax = _tax(amount, rate)
        issue_date = issued_at.date()
        invoice = Invoice.objects.create(
            tenant=tenant, number=number, kind=Invoice.Kind.PURCHASE, reference=reference, description=description,
            issued_at=issued_at, issue_date=issue_date,
            due_date=issue_date if payment["paid"] else issue_date + timedelta(days=seller["payment_terms_days"]),
            currency=tenant.currency, subtotal=amount, tax_rate=rate, tax_label=seller["tax_label"], tax=tax,
            total=amount + tax, payment_method=payment["method"], payment_label=payment["label"],
            po_number=payment["po_number"],
            payment_status=Invoice.PaymentStatus.PAID if payment["paid"] else Invoice.PaymentStatus.DUE,
            paid_at=issued_at if payment["paid"] else None, seller=seller, buyer=_buyer(tenant),
        )
        InvoiceLine.objects.create(invoice=invoice, position=1, description=description,
                                   detail="Prepaid funds for calling, valid for 12 months from purchase",
                                   quantity=Decimal("1"), unit_price=amount, amount=amount)
        _audit_issue(invoice, actor)
        _after_commit_render(invoice)
    return invoice


def _clean_statement_issued_at(issued_at: object, first: date, last: date) -> datetime:
    issued_at = _clean_issued_at(issued_at)
    if issued_at.date() <= last:
        raise ValidationError({"month": f"The statement for {first:%B %Y} can be issued from "
                                        f"{last + timedelta(days=1):%d %B %Y}, once the month has ended."})
    return issued_at


def statement_issue(*, tenant: Tenant, month: date, data: StatementData, actor: object,
                    issued_at: datetime | None = None) -> Invoice:
    """The monthly statement of `month` (any day of it) from `data`; the same month returns the first statement.

    A month with no activity (StatementData.empty) gives an empty statement with the balance carried through.
    """
    if not isinstance(month, date) or isinstance(month, datetime):
        raise ValidationError({"month": f"must be a date in the month, not {type(month).__name__}."})
    if not isinstance(data, StatementData):
        raise ValidationError({"data": f"must be a StatementData, not {type(data).__name__}."})
    first, last = month_bounds(month)
    issued_at = _clean_statement_issued_at(issued_at, first, last)
    existing = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT, period_start=first).first()
    if existing is not None:
        return existing
    data.validate(month=first)
    seller = seller_settings()
    with transaction.atomic():
        counter = invoice_counter_for_update(tenant=tenant)
        existing = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT, period_start=first).first()
        if existing is not None:
            return existing
        usage = data.usage_total
        issue_date = issued_at.date()
        invoice = Invoice.objects.create(
            tenant=tenant, number=_take_number(counter), kind=Invoice.Kind.STATEMENT,
            description=f"Communications Credits statement, {first:%B %Y}", issued_at=issued_at,
            issue_date=issue_date, due_date=issue_date, period_start=first, period_end=last,
            currency=tenant.currency, subtotal=usage, tax_rate=Decimal("0"), tax_label=seller["tax_label"],
            tax=ZERO, total=usage, payment_method=Invoice.PaymentMethod.CREDITS,
            payment_label="Paid from your Communications Credits balance",
            payment_status=Invoice.PaymentStatus.NO_PAYMENT_DUE, seller=seller, buyer=_buyer(tenant),
        )
        InvoiceLine.objects.bulk_create([
            InvoiceLine(invoice=invoice, position=position, description=_usage_line_description(row.country),
                        detail=f"{row.calls:,} call{'s' if row.calls != 1 else ''}, {row.minutes:,} min",
                        quantity=Decimal(row.minutes), unit="min",
                        unit_price=(row.amount / row.minutes).quantize(Decimal("0.0001")) if row.minutes else row.amount,
                        amount=row.amount)
            for position, row in enumerate(sorted(data.usage_by_country, key=lambda r: (-r.amount, r.country)), 1)
        ])
        StatementSnapshot.objects.create(invoice=invoice, data=data.to_json())
        _audit_issue(invoice, actor)
        _after_commit_render(invoice)
    return invoice


def statement_issue_from_ledger(*, tenant: Tenant, month: date, actor: object = None,
                                issued_at: datetime | None = None) -> Invoice:
    """The statement of `month` (any day of it) computed from the tenant's credits ledger and call records.

    The same month returns the first statement. The figures are read and the statement written in one
    transaction; a month that has not ended is refused.
    """
    first, last, _, _ = month_span(month)
    issued_at = _clean_statement_issued_at(issued_at, first, last)
    existing = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT, period_start=first).first()
    if existing is not None:
        return existing
    with transaction.atomic(durable=True):
        data = statement_data_for(tenant=tenant, month=first)
        return statement_issue(tenant=tenant, month=first, data=data, actor=actor, issued_at=issued_at)


@dataclass
class StatementRun:
    """What one run of the monthly statements did: statements issued, tenants already done, tenants that failed."""

    month: date
    issued: list[Invoice] = field(default_factory=list)
    existing: list[Tenant] = field(default_factory=list)
    failed: list[tuple[Tenant, str]] = field(default_factory=list)  # [(Tenant, "ErrorType: message")]


def statements_issue_for_month(*, month: date, tenants: Iterable[Tenant] | None = None, actor: object = None,
                               issued_at: datetime | None = None) -> StatementRun:
    """Issues `month`'s statement from the ledger for `tenants` (default: every tenant with credit activity
    before the month's end), each in its own transaction. A tenant that fails is logged and recorded in the
    returned StatementRun; the others go on. Safe to run again: tenants already done are skipped.
    """
    first, last, _, end = month_span(month)
    issued_at = _clean_statement_issued_at(issued_at, first, last)
    tenants = list(tenants_with_credit_activity(before=end) if tenants is None else tenants)
    done = set(Invoice.objects.filter(kind=Invoice.Kind.STATEMENT, period_start=first,
                                      tenant__in=[tenant.pk for tenant in tenants]).values_list("tenant_id", flat=True))
    run = StatementRun(month=first)
    for tenant in tenants:
        if tenant.pk in done:
            run.existing.append(tenant)
            continue
        try:
            run.issued.append(statement_issue_from_ledger(tenant=tenant, month=first, actor=actor, issued_at=issued_at))
        except Exception as exc:
            # One tenant's bad data or a passing failure must not keep every other tenant from its statement.
            logger.exception("The %s statement of %s (%s) could not be issued", f"{first:%B %Y}", tenant.name,
                             tenant.initial_domain)
            run.failed.append((tenant, f"{type(exc).__name__}: {exc}"))
    return run


def _usage_line_description(country: str) -> str:
    return f"Calls to {country_label(country)}" if country else "Calls to unknown destinations"


def invoice_credited_total(invoice: Invoice) -> Decimal:
    """What credit notes have taken off `invoice` so far, as a positive amount."""
    credited = invoice.credit_notes.aggregate(total=Sum("total"))["total"]
    return -(credited or ZERO).quantize(CENT)


def credit_note_issue(*, invoice: Invoice, amount: Decimal, reason: str, actor: object) -> Invoice:
    """A credit note correcting `invoice` by `amount` (before tax; the invoice's tax rate is added).

    The invoice itself never changes. All credit notes of an invoice together never exceed its total.
    """
    amount = _clean_amount(amount)
    reason = _clean_text(reason, "reason", max_length=300)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise ValidationError({"invoice": f"{invoice} is itself a credit note; credit the invoice it corrects."})
    tenant = invoice.tenant
    with transaction.atomic():
        counter = invoice_counter_for_update(tenant=tenant)
        tax = _tax(amount, invoice.tax_rate)
        remaining = invoice.total - invoice_credited_total(invoice)
        if amount + tax > remaining:
            raise ValidationError({"amount": f"{amount + tax} {invoice.currency} is more than the {remaining} "
                                             f"{invoice.currency} that can still be credited on {invoice.display_number}."})
        issued_at = timezone.now()
        note = Invoice.objects.create(
            tenant=tenant, number=_take_number(counter), kind=Invoice.Kind.CREDIT_NOTE,
            description=f"Credit note for {invoice.document_title.lower()} {invoice.display_number}",
            issued_at=issued_at, issue_date=issued_at.date(), due_date=issued_at.date(),
            period_start=invoice.period_start, period_end=invoice.period_end, currency=invoice.currency,
            subtotal=-amount, tax_rate=invoice.tax_rate, tax_label=invoice.tax_label, tax=-tax, total=-(amount + tax),
            payment_method=invoice.payment_method, payment_label=invoice.payment_label, po_number=invoice.po_number,
            payment_status=Invoice.PaymentStatus.CREDIT_ISSUED, credited_invoice=invoice, reason=reason,
            seller=seller_settings(), buyer=_buyer(tenant),
        )
        InvoiceLine.objects.create(invoice=note, position=1, description=f"Correction of {invoice.display_number}",
                                   detail=reason, quantity=Decimal("1"), unit_price=-amount, amount=-amount)
        _audit_issue(note, actor)
        _after_commit_render(note)
    return note


def invoice_record_payment(*, invoice: Invoice, actor: object, paid_at: datetime | None = None) -> Invoice:
    """Records that a purchase invoiced against the agreement/PO has been paid (operator, on receipt)."""
    paid_at = _clean_issued_at(paid_at)
    with transaction.atomic():
        invoice = invoice_for_update(invoice_id=invoice.pk, tenant=invoice.tenant)
        if invoice.payment_status == Invoice.PaymentStatus.PAID:
            return invoice
        if invoice.payment_status != Invoice.PaymentStatus.DUE:
            raise ValidationError({"invoice": f"{invoice} has no payment due."})
        invoice.payment_status = Invoice.PaymentStatus.PAID
        invoice.paid_at = paid_at
        # A PDF showing "Due" is out of date: drop it so the next download renders it again.
        stale_pdf = invoice.pdf.name
        invoice.pdf = ""
        invoice.pdf_rendered_at = None
        invoice.save(update_fields=["payment_status", "paid_at", "pdf", "pdf_rendered_at"])
        audit_record(tenant=invoice.tenant, actor=actor, action="invoice.record_payment", target=invoice,
                     before={"payment_status": "due"}, after={"payment_status": "paid", "paid_at": paid_at.isoformat()})
        if stale_pdf:
            storage = invoice.pdf.storage

            def delete_stale_pdf() -> None:
                storage.delete(stale_pdf)

            transaction.on_commit(delete_stale_pdf, robust=True)
        _after_commit_render(invoice)
    return invoice


def _pdf_present(invoice: Invoice) -> bool:
    # A FieldFile that is truthy has a name (django-stubs types FieldFile.name as optional).
    return bool(invoice.pdf) and invoice.pdf.storage.exists(cast(str, invoice.pdf.name))


def invoice_render_pdf(*, invoice_id: UUID | str) -> Invoice:
    """Renders and stores the PDF of an invoice when it has none (or its file went missing); returns the invoice.

    A failed render is counted and re-raised for the task to retry; the invoice stays issued either way.
    """
    from .pdf import render_invoice_pdf_bytes

    invoice = Invoice.objects.select_related("tenant", "credited_invoice").get(pk=invoice_id)
    if _pdf_present(invoice):
        return invoice
    try:
        content = render_invoice_pdf_bytes(invoice)
    except Exception as exc:
        # Counted outside any transaction so the record survives the failure; the caller retries.
        logger.warning("PDF render of %s failed: %s", invoice, exc)
        Invoice.objects.filter(pk=invoice.pk).update(render_attempts=invoice.render_attempts + 1,
                                                     last_render_error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    with transaction.atomic():
        invoice = invoice_for_update(invoice_id=invoice.pk, tenant=invoice.tenant)
        if _pdf_present(invoice):  # a concurrent render finished first
            return invoice
        invoice.pdf.save(f"{invoice.tenant_id}/{invoice.pdf_filename}", ContentFile(content), save=False)
        invoice.pdf_rendered_at = timezone.now()
        invoice.render_attempts += 1
        invoice.last_render_error = ""
        invoice.save(update_fields=["pdf", "pdf_rendered_at", "render_attempts", "last_render_error"])
    return invoice
