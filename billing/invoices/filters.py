"""The filters of the invoice list, shared by the Bills & payments page and GET /api/v1/invoices."""
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from .models import Invoice

STATUSES = {
    "paid": "Paid",
    "due": "Due",
    "pastDue": "Past due",
    "creditIssued": "Credit issued",
    "noPaymentDue": "No payment due",
}
TYPES = dict(Invoice.Kind.choices)


@dataclass(frozen=True)
class InvoiceFilters:
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""
    status: str = ""

    @property
    def active(self):
        return bool(self.date_from or self.date_to or self.kind or self.status)


def _parse_date(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: f"'{raw}' is not a date; use YYYY-MM-DD, for example 2026-01-31."})


def parse_invoice_filters(params):
    """Reads `from`, `to` (issue dates, inclusive), `type` and `status`; a bad value is a ValidationError naming it."""
    errors = {}
    values = {}
    for name, key in (("from", "date_from"), ("to", "date_to")):
        try:
            values[key] = _parse_date(params, name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
        errors["to"] = [f"The end date {values['date_to']} is before the start date {values['date_from']}."]
    kind = (params.get("type") or "").strip()
    if kind and kind not in TYPES:
        errors["type"] = [f"'{kind}' is not an invoice type; use one of {', '.join(TYPES)}."]
    status = (params.get("status") or "").strip()
    if status and status not in STATUSES:
        errors["status"] = [f"'{status}' is not a status; use one of {', '.join(STATUSES)}."]
    if errors:
        raise ValidationError(errors)
    return InvoiceFilters(kind=kind, status=status, **values)
