"""Demo invoices for Contoso: a monthly statement for every month since the first purchase, from the ledger and
call records that the credits and rating demos made, and one credit note.

Purchase invoices are issued by Communications Credits when each purchase is made (billing/credits/demo.py and the
rating demo's recharges), once each. Safe to run again: a month's statement is issued once.
"""
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.credits.models import LedgerEntry
from core.plugins import demo_seeder

from .models import Invoice
from .services import credit_note_issue, statement_issue_from_ledger
from .statements import month_bounds

ISSUE_TIME = time(6)  # statements are issued at 06:00 UTC on the first day after their month


def _statement_moment(month):
    _, last = month_bounds(month)
    return datetime.combine(last + timedelta(days=1), ISSUE_TIME, tzinfo=UTC)


def demo_issue_due_statements(*, tenant, until):
    """Issues, oldest first, each statement that was due by `until` and is missing: every month from the first
    ledger entry's month whose statement moment has passed. The demos that write history call it before each
    purchase they date, so invoice numbers rise with invoice dates. Returns how many it issued."""
    first_entry = LedgerEntry.objects.filter(account__tenant=tenant).order_by("created_at").first()
    if first_entry is None:
        return 0
    done = set(Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT).values_list("period_start", flat=True))
    month, issued = first_entry.created_at.date().replace(day=1), 0
    while _statement_moment(month) <= until:
        if month not in done:
            statement_issue_from_ledger(tenant=tenant, month=month, actor=None, issued_at=_statement_moment(month))
            issued += 1
        month = (month + timedelta(days=32)).replace(day=1)
    return issued


@demo_seeder
def seed(*, tenant, stdout=None):
    """The statements of every month since the first purchase (the rating demo issued most of them, in time
    order), and one credit note; safe to run again."""
    demo_issue_due_statements(tenant=tenant, until=timezone.now())
    _seed_credit_note(tenant)
    if stdout:
        count = Invoice.objects.filter(tenant=tenant).count()
        statements = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT).count()
        stdout.write(f"  invoices: {count} documents ({statements} monthly statements) for {tenant.name}")
    return tenant


CREDIT_NOTE = Decimal("12.40")


def _seed_credit_note(tenant):
    """One correction, as admins meet them: calls dropped by a carrier were charged in error. It goes on the first
    statement from the third month on whose total can carry it."""
    statements = Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT).order_by("period_start")
    if Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.CREDIT_NOTE, credited_invoice__in=statements).exists():
        return
    statement = next((s for s in list(statements)[2:] if s.total >= CREDIT_NOTE * 2), None)
    if statement is not None:
        credit_note_issue(invoice=statement, amount=CREDIT_NOTE, actor=None,
                          reason="Calls dropped by the carrier within 10 seconds were charged in error.")
