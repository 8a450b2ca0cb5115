"""The invoices demo: a statement for every month since the first purchase, from the ledger, numbered in date order;
one credit note; idempotent. The made-up calls for tests and the bench (billing/invoices/synthetic.py) are stable."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.credits.services import credits_add_funds, credits_debit
from billing.invoices import demo, synthetic
from billing.invoices.models import Invoice
from billing.invoices.statements import StatementData
from tests.invoices.factories import card_on_file


@pytest.fixture
def clock(clock):
    clock.at(2026, 7, 20, 14)
    return clock


@pytest.fixture
def funded(tenant, global_admin, clock):
    """$500 bought on Apr 10, 2026, and $62.34 of calls charged on May 3 and Jun 9."""
    card = card_on_file(tenant, global_admin)
    credits_add_funds(tenant=tenant, amount=Decimal("500"), payment_method=card, idempotency_key="first",
                      actor=global_admin, at=datetime(2026, 4, 10, 9, tzinfo=UTC))
    credits_debit(tenant=tenant, amount=Decimal("25.00"), call_id="call-1",
                  at=datetime(2026, 5, 3, 10, tzinfo=UTC))
    credits_debit(tenant=tenant, amount=Decimal("37.34"), call_id="call-2",
                  at=datetime(2026, 6, 9, 10, tzinfo=UTC))
    return tenant


def test_seed_issues_each_months_statement_from_the_ledger_and_a_credit_note(funded, db):
    demo.seed(tenant=funded)

    statements = list(Invoice.objects.filter(tenant=funded, kind="statement").order_by("period_start"))
    assert [s.period_start.isoformat()[:7] for s in statements] == ["2026-04", "2026-05", "2026-06"]
    closing = [StatementData.from_json(s.snapshot.data).closing_balance for s in statements]
    assert closing == [Decimal("500.00"), Decimal("475.00"), Decimal("437.66")]
    assert [s.issued_at for s in statements] == [datetime(2026, m, 1, 6, tzinfo=UTC) for m in (5, 6, 7)]
    note = Invoice.objects.get(tenant=funded, kind="creditNote")
    assert note.credited_invoice == statements[2] and note.total < 0


def test_numbers_rise_with_invoice_dates_when_statements_are_issued_before_each_later_purchase(funded, db):
    demo.demo_issue_due_statements(tenant=funded, until=datetime(2026, 6, 5, tzinfo=UTC))
    card = funded.payment_methods.get()
    credits_add_funds(tenant=funded, amount=Decimal("100"), payment_method=card, idempotency_key="later",
                      actor=None, kind="recharge", at=datetime(2026, 6, 5, tzinfo=UTC))
    demo.seed(tenant=funded)

    documents = list(Invoice.objects.filter(tenant=funded).exclude(kind="creditNote").order_by("number"))
    assert [d.issued_at for d in documents] == sorted(d.issued_at for d in documents)
    assert [d.kind for d in documents] == ["purchase", "statement", "statement", "purchase", "statement"]


def test_seeding_again_changes_nothing(funded, db):
    demo.seed(tenant=funded)
    before = list(Invoice.objects.filter(tenant=funded).order_by("number").values_list("number", "kind", "total"))
    demo.seed(tenant=funded)
    after = list(Invoice.objects.filter(tenant=funded).order_by("number").values_list("number", "kind", "total"))
    assert after == before


def test_a_tenant_without_credits_gets_no_statements(tenant, clock):
    assert demo.demo_issue_due_statements(tenant=tenant, until=clock.now()) == 0
    assert not Invoice.objects.filter(tenant=tenant).exists()


def test_synthetic_calls_are_deterministic():
    callers = [synthetic.Caller(f"u{i}@contoso.test", f"U {i}") for i in range(5)]
    month = datetime(2026, 5, 1).date()
    first = synthetic.synthetic_calls(month=month, callers=callers, count=50, seed="contoso")
    assert first == synthetic.synthetic_calls(month=month, callers=callers, count=50, seed="contoso")
    assert all(call.started_at.month == 5 for call in first)
