"""The filters of the invoice list, shared by the Bills & payments page and GET /api/v1/invoices (django-filter).

`from` and `to` are issue dates (inclusive), `type` an invoice kind, `status` a payment status as the list shows it
(`pastDue` and `due` split the due invoices at today). A bad value is a ValidationError naming its parameter.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import CharFilter, FilterSet

from .models import Invoice

STATUSES = {
    "paid": "Paid",
    "due": "Due",
    "pastDue": "Past due",
    "creditIssued": "Credit issued",
    "noPaymentDue": "No payment due",
}
TYPES = dict(Invoice.Kind.choices)


class InvoiceFilterForm(forms.Form):
    """Cleans the four parameters with the admin centre's words (django-filter builds the fields from the filters)."""

    def _day(self, name):
        raw = (self.data.get(name) or "").strip()
        if not raw:
            return None
        try:
            return forms.DateField(input_formats=["%Y-%m-%d"]).clean(raw)
        except ValidationError:
            raise ValidationError(f"'{raw}' is not a date; use YYYY-MM-DD, for example 2026-01-31.") from None

    def clean_from(self):
        return self._day("from")

    def clean_to(self):
        return self._day("to")

    def clean_type(self):
        kind = (self.cleaned_data.get("type") or "").strip()
        if kind and kind not in TYPES:
            raise ValidationError(f"'{kind}' is not an invoice type; use one of {', '.join(TYPES)}.")
        return kind

    def clean_status(self):
        status = (self.cleaned_data.get("status") or "").strip()
        if status and status not in STATUSES:
            raise ValidationError(f"'{status}' is not a status; use one of {', '.join(STATUSES)}.")
        return status

    def clean(self):
        data = super().clean() or {}
        first, last = data.get("from"), data.get("to")
        if first and last and first > last:
            self.add_error("to", f"The end date {last} is before the start date {first}.")
        return data


def _status(queryset, name, status):
    today = timezone.now().date()
    if status == "pastDue":
        return queryset.filter(payment_status=Invoice.PaymentStatus.DUE, due_date__lt=today)
    if status == Invoice.PaymentStatus.DUE:
        return queryset.filter(Q(payment_status=Invoice.PaymentStatus.DUE) & Q(due_date__gte=today))
    return queryset.filter(payment_status=status)


class InvoiceFilterSet(FilterSet):
    # `from` is a Python keyword, so the two date filters are named through the class namespace.
    locals()["from"] = CharFilter(field_name="issue_date", method=lambda qs, name, day: qs.filter(issue_date__gte=day))
    locals()["to"] = CharFilter(field_name="issue_date", method=lambda qs, name, day: qs.filter(issue_date__lte=day))
    type = CharFilter(field_name="kind")
    status = CharFilter(method=_status)

    class Meta:
        model = Invoice
        fields: list[str] = []
        form = InvoiceFilterForm


class InvoiceFilters:
    """The cleaned filters of one request: what the list shows as applied, and the queryset they select."""

    def __init__(self, filterset):
        self._filterset = filterset
        data = filterset.form.cleaned_data
        self.date_from, self.date_to = data.get("from"), data.get("to")
        self.kind, self.status = data.get("type") or "", data.get("status") or ""

    @property
    def active(self):
        return bool(self.date_from or self.date_to or self.kind or self.status)

    def apply(self, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        filtered: QuerySet[Invoice] = self._filterset.filter_queryset(queryset)  # django-filter has no types
        return filtered


def parse_invoice_filters(params):
    """Reads `from`, `to`, `type` and `status`; a bad value is a ValidationError naming it."""
    filterset = InvoiceFilterSet(data=params, queryset=Invoice.objects.none())
    if not filterset.is_valid():
        raise ValidationError({name: list(messages) for name, messages in filterset.form.errors.items()})
    return InvoiceFilters(filterset)
