"""A month's StatementData read from the credit ledger and the call records, in a fixed number of queries.

The ledger decides what belongs to the month: every entry is counted in the month (UTC) of its
`created_at`, so the opening balance is the ledger's sum before the month, the closing balance its sum up to
the month's end, and the kinds in between explain the difference. A call charge is described by the call
record with the same call id; a charge whose record is missing still counts, under "Unknown".
"""
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat

from billing.credits.models import CreditAccount, LedgerEntry
from billing.rating.models import CallRecord

from .models import Invoice, format_invoice_number
from .statements import (
    CENT,
    UNKNOWN_COUNTRY,
    ZERO,
    CallLine,
    CountryUsage,
    StatementAdjustment,
    StatementData,
    StatementExpiry,
    StatementPurchase,
    UserUsage,
    month_bounds,
)

if TYPE_CHECKING:
    from accounts.models import Tenant

Kind = LedgerEntry.Kind
# Usage by user: calls answered on the tenant's toll-free and conferencing numbers have no user.
SERVICE_NUMBERS_LABEL = "Service numbers"
UNKNOWN_LABEL = "Unknown"
# What a call line takes from the call record (aliases: the ledger entry has a call_id of its own).
_LINE_FIELDS = ("start_at", "user_principal_name", "call_type", "callee_number", "callee_country", "duration_seconds")


def month_span(month: date) -> tuple[date, date, datetime, datetime]:
    """The first and last day of `month` and the UTC instants [start, end) that hold it."""
    if not isinstance(month, date) or isinstance(month, datetime):
        raise ValidationError({"month": f"must be a date in the month, not {type(month).__name__}."})
    first, last = month_bounds(month)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    return first, last, start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)


def statement_data_for(*, tenant: "Tenant", month: date) -> StatementData:
    """The StatementData of the calendar month holding `month` (a date), computed from what the ledger says.

    A tenant without a credit account, or a month before its first entry, gives an empty statement.
    Six queries whatever the number of calls; the call lines are streamed.
    """
    first, _, start, end = month_span(month)
    account = CreditAccount.objects.filter(tenant=tenant).values_list("pk", flat=True).first()
    if account is None:
        return StatementData.empty(balance=ZERO)
    entries = LedgerEntry.objects.filter(account_id=account).order_by()
    balances = entries.aggregate(opening=Sum("amount", filter=Q(created_at__lt=start)),
                                 closing=Sum("amount", filter=Q(created_at__lt=end)))
    of_month = entries.filter(created_at__gte=start, created_at__lt=end)
    purchases, expiries, adjustments = _balance_movements(tenant, of_month.exclude(kind__in=LedgerEntry.CHARGE_KINDS))
    charges = of_month.filter(kind__in=LedgerEntry.CHARGE_KINDS)
    return StatementData(
        opening_balance=_cents(balances["opening"]),
        closing_balance=_cents(balances["closing"]),
        purchases=purchases,
        usage_by_country=_usage_by_country(tenant, charges),
        usage_by_user=_usage_by_user(tenant, charges),
        expiries=expiries,
        calls=_call_lines(tenant, charges),
        adjustments=adjustments,
    )


def _cents(value):
    # SQLite sums decimals as floats: bring every sum back to cents.
    return (value or ZERO).quantize(CENT)


def _day(moment):
    return moment.astimezone(UTC).date()


def _balance_movements(tenant, entries):
    """Purchases, expiries and adjustments (refunds and operator corrections) of the month, in one query."""
    purchase_invoice = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.PURCHASE,
                                              reference=Concat(Value("purchase:"), Cast(OuterRef("purchase_id"), CharField()),
                                                               output_field=CharField())).order_by()
    rows = (entries.select_related("purchase", "lot")
            .annotate(invoice_number=Subquery(purchase_invoice.values("number")[:1]))
            .order_by("created_at", "id"))
    purchases, expiries, adjustments = [], [], []
    for entry in rows:
        day = _day(entry.created_at)
        if entry.kind in LedgerEntry.CREDIT_KINDS:
            number = format_invoice_number(entry.invoice_number) if entry.invoice_number else ""
            purchases.append(StatementPurchase(date=day, description=_purchase_description(entry), amount=entry.amount,
                                               invoice_number=number))
        elif entry.kind == Kind.EXPIRY:
            expiries.append(StatementExpiry(date=day, description=_expiry_description(entry), amount=-entry.amount))
        else:
            adjustments.append(StatementAdjustment(date=day, description=_adjustment_description(entry),
                                                   amount=entry.amount))
    return tuple(purchases), tuple(expiries), tuple(adjustments)


def _purchase_description(entry):
    what = "Auto-recharge" if entry.kind == Kind.RECHARGE else "One-time purchase"
    # The payment method's label names the card, or the agreement and any PO number of an invoice purchase.
    return f"{what}, paid with {entry.purchase.payment_method_label}" if entry.purchase else what


def _expiry_description(entry):
    if entry.lot is not None:
        return f"Funds added {entry.lot.purchased_at:%b %-d, %Y} not used within 12 months"
    return entry.memo or "Funds not used within 12 months"


def _adjustment_description(entry):
    if entry.kind == Kind.REFUND:
        purchase = entry.purchase
        what = (f"Refund of funds added {purchase.created_at:%b %-d, %Y} to {purchase.payment_method_label}" if purchase
                else "Refund")
    else:
        what = "Balance adjustment"
    return f"{what}: {entry.memo}" if entry.memo else what


def _record(tenant, field):
    """The value of `field` on the call record of the ledger entry's call id (NULL when there is none)."""
    records = CallRecord.objects.filter(tenant=tenant, call_id=OuterRef("call_id")).order_by()
    return Subquery(records.values(field)[:1])


def _usage_by_country(tenant, charges):
    rows = (charges.values(country=Coalesce(_record(tenant, "callee_country"), Value(UNKNOWN_COUNTRY)))
            .annotate(calls=Count("id"), amount=Sum("amount"),
                      minutes=Coalesce(Sum(_record(tenant, "credit_minutes")), Value(0)))
            .order_by("country"))
    return tuple(CountryUsage(country=row["country"], calls=row["calls"], minutes=row["minutes"],
                              amount=-_cents(row["amount"])) for row in rows)


def _usage_by_user(tenant, charges):
    # Grouped by the username the call record took at the time of the call: NULL (no record) and '' (a call
    # to a service number) stay apart.
    rows = (charges.values(upn=_record(tenant, "user_principal_name"))
            .annotate(calls=Count("id"), amount=Sum("amount"), display=Max(_record(tenant, "user_display_name")),
                      minutes=Coalesce(Sum(_record(tenant, "credit_minutes")), Value(0)))
            .order_by("upn"))
    usage = []
    for row in rows:
        if row["upn"] is None:
            display = UNKNOWN_LABEL
        elif not row["upn"]:
            display = SERVICE_NUMBERS_LABEL
        else:
            display = row["display"] or row["upn"]
        usage.append(UserUsage(user_principal_name=row["upn"] or "", display_name=display, calls=row["calls"],
                               minutes=row["minutes"], amount=-_cents(row["amount"])))
    return tuple(usage)


def _call_lines(tenant, charges):
    """Every charge of the month as a call line, described by its call record, streamed.

    One index probe per column on the record's (tenant, call id) key: the plan stays the same whatever the
    planner's statistics say right after a large import.
    """
    rows = (charges.annotate(**{name: _record(tenant, name) for name in _LINE_FIELDS})
            .values_list("call_id", "amount", "created_at", *_LINE_FIELDS).order_by("created_at", "id"))
    lines = []
    for call_id, amount, created_at, start_at, upn, call_type, callee, country, duration in rows.iterator():
        if start_at is None:  # no call record: listed at the time it was charged, with nothing else known
            lines.append(CallLine(started_at=created_at, user_principal_name="", call_type="", destination=UNKNOWN_LABEL,
                                  country=UNKNOWN_COUNTRY, duration_seconds=0, charge=-_cents(amount), call_id=call_id))
            continue
        lines.append(CallLine(started_at=start_at, user_principal_name=upn, call_type=call_type, destination=callee,
                              country=country or UNKNOWN_COUNTRY, duration_seconds=duration, charge=-_cents(amount),
                              call_id=call_id))
    return tuple(lines)
