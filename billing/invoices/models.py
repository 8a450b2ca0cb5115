"""Invoices, credit notes and monthly statements: numbered per tenant, immutable once issued."""
import uuid
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Tenant

# Only these columns of an issued document may change: its PDF (rendered after the commit), the
# render bookkeeping and the record of a payment received. Amounts, lines, parties and dates never do.
MUTABLE_FIELDS = frozenset({"pdf", "pdf_rendered_at", "render_attempts", "last_render_error", "payment_status", "paid_at"})


class IssuedInvoiceError(TypeError):
    """Raised by any attempt to change or delete what an issued invoice says; issue a credit note instead."""


class InvoiceCounter(models.Model):
    """The tenant's last issued number; its row is locked (lock_objects.py) while a number is taken."""

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.tenant_id}: {self.last_number}"


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        frozen = set(kwargs) - MUTABLE_FIELDS
        if frozen:
            raise IssuedInvoiceError(f"An issued invoice never changes ({', '.join(sorted(frozen))}); issue a credit note.")
        return super().update(**kwargs)

    def delete(self):
        raise IssuedInvoiceError("Issued invoices are never deleted; issue a credit note.")


class Invoice(models.Model):
    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        STATEMENT = "statement", "Statement"
        CREDIT_NOTE = "creditNote", "Credit note"

    class PaymentStatus(models.TextChoices):
        PAID = "paid", "Paid"
        DUE = "due", "Due"
        CREDIT_ISSUED = "creditIssued", "Credit issued"
        NO_PAYMENT_DUE = "noPaymentDue", "No payment due"

    class PaymentMethod(models.TextChoices):
        CARD = "card", "Credit card"
        INVOICE = "invoice", "Invoice"
        CREDITS = "credits", "Communications Credits"
        NONE = "", "None"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="invoices")
    number = models.PositiveIntegerField(help_text="Sequential per tenant, no gaps, never reused")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reference = models.CharField(max_length=120, blank=True, help_text="The purchase's idempotency reference")
    description = models.CharField(max_length=300)
    issued_at = models.DateTimeField(default=timezone.now)
    issue_date = models.DateField()
    due_date = models.DateField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    tax_label = models.CharField(max_length=40, default="Tax")
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices, blank=True)
    payment_label = models.CharField(max_length=120, blank=True)
    po_number = models.CharField("purchase order number", max_length=60, blank=True)
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices)
    paid_at = models.DateTimeField(null=True, blank=True)
    credited_invoice = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="credit_notes")
    reason = models.CharField(max_length=300, blank=True)
    # What both parties looked like on the day of issue: later address changes never rewrite an invoice.
    seller = models.JSONField()
    buyer = models.JSONField()
    pdf = models.FileField(upload_to="invoices/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    last_render_error = models.CharField(max_length=500, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_unique_tenant_number"),
            models.UniqueConstraint(fields=["tenant", "reference"], condition=~Q(reference=""),
                                    name="invoice_unique_tenant_reference"),
            models.UniqueConstraint(fields=["tenant", "period_start"], condition=Q(kind="statement"),
                                    name="invoice_unique_statement_month"),
            models.CheckConstraint(condition=Q(number__gte=1), name="invoice_number_positive"),
            models.CheckConstraint(
                condition=(Q(kind="purchase", total__gt=0, credited_invoice__isnull=True)
                           | Q(kind="statement", total__gte=0, credited_invoice__isnull=True,
                               period_start__isnull=False, period_end__isnull=False)
                           | Q(kind="creditNote", total__lt=0, credited_invoice__isnull=False)),
                name="invoice_kind_amounts"),
        ]
        indexes = [models.Index(fields=["tenant", "-issued_at"], name="invoice_tenant_issued")]

    def __str__(self):
        return f"{self.document_title} {self.display_number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or set(update_fields) - MUTABLE_FIELDS:
                raise IssuedInvoiceError("An issued invoice never changes; issue a credit note to correct it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IssuedInvoiceError("Issued invoices are never deleted; issue a credit note.")

    @property
    def document_title(self):
        """What the document calls itself: a purchase's document is an invoice."""
        return "Invoice" if self.kind == self.Kind.PURCHASE else self.get_kind_display()

    @property
    def display_number(self):
        return format_invoice_number(self.number)

    @property
    def is_past_due(self):
        return self.payment_status == self.PaymentStatus.DUE and self.due_date < timezone.now().date()

    @property
    def status_label(self):
        return "Past due" if self.is_past_due else self.get_payment_status_display()

    @property
    def status_key(self):
        return "pastDue" if self.is_past_due else self.payment_status

    @property
    def amount_due(self):
        return self.total if self.payment_status == self.PaymentStatus.DUE else Decimal("0.00")

    @property
    def pdf_filename(self):
        return f"{self.document_title.replace(' ', '')}_{self.display_number}.pdf"


def format_invoice_number(number):
    """G and nine digits, the shape of the admin centre's own invoice numbers (G012345678)."""
    return f"G{number:09d}"


class FrozenQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise IssuedInvoiceError("The lines of an issued invoice never change; issue a credit note.")

    def delete(self):
        raise IssuedInvoiceError("The lines of an issued invoice are never deleted; issue a credit note.")


class FrozenModel(models.Model):
    """Rows written once with their invoice and never changed afterwards."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise IssuedInvoiceError("What an issued invoice says never changes; issue a credit note.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IssuedInvoiceError("What an issued invoice says is never deleted; issue a credit note.")


class InvoiceLine(FrozenModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    detail = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("1"))
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_unique_position")]

    def __str__(self):
        return f"{self.invoice_id} #{self.position}: {self.description}"


class StatementSnapshot(FrozenModel):
    """The StatementData a statement was issued from (statements.py), kept to render its PDF again."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, primary_key=True, related_name="snapshot")
    data = models.JSONField()

    def __str__(self):
        return f"Statement data of {self.invoice_id}"
