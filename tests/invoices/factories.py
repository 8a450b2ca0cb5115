"""Helpers that issue invoices and build StatementData through the real services."""
import io
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from pypdf import PdfReader

from billing.invoices.demo import Caller, statement_data_from_calls, synthetic_calls
from billing.invoices.services import invoice_issue_for_purchase, statement_issue
from billing.invoices.statements import StatementData

CARD = {"method": "card", "label": "Visa ending 4242", "po_number": "", "paid": True}
PO = {"method": "invoice", "label": "Invoice (Enterprise Agreement)", "po_number": "PO-7781", "paid": False}
_references = itertools.count(1)


def purchase(tenant, amount="500.00", *, payment=None, reference=None, issued_at=None, description=None, actor=None):
    return invoice_issue_for_purchase(
        tenant=tenant, amount=Decimal(amount), description=description or "Communications Credits, auto-recharge",
        payment=payment or CARD, reference=reference or f"test-purchase-{next(_references)}", issued_at=issued_at,
        actor=actor)


def callers(count=6, domain="contoso.test"):
    return [Caller(f"caller{i}@{domain}", f"Caller {i:02d}") for i in range(count)]


def statement_data(month, *, calls=40, opening="1000.00", purchases=(), expiries=()):
    people = callers()
    lines = synthetic_calls(month=month, callers=people, count=calls, seed="tests")
    return statement_data_from_calls(calls=lines, callers=people, opening_balance=Decimal(opening),
                                     purchases=purchases, expiries=expiries)


def statement(tenant, month=date(2026, 3, 1), *, data=None, calls=40, actor=None):
    return statement_issue(tenant=tenant, month=month, data=data or statement_data(month, calls=calls), actor=actor,
                           issued_at=datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, 6, tzinfo=UTC))


def empty_data(balance="250.00"):
    return StatementData.empty(balance=Decimal(balance))


def pdf_pages_text(content):
    """The text of each page of a PDF, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
