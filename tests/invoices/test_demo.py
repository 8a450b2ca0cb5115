"""The demo seed: twelve statements (purchases listed, not invoiced again) for Contoso, fast, deterministic, idempotent."""
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.invoices import demo
from billing.invoices.models import Invoice
from billing.invoices.statements import StatementData
from tests.factories import UserFactory


@pytest.fixture
def contoso(tenant):
    for index in range(30):
        UserFactory(tenant=tenant, upn=f"person{index:02d}@contoso.test", display_name=f"Person {index:02d}",
                    usage_location="US")
    return tenant


@pytest.fixture
def frozen_now(monkeypatch):
    now = datetime(2026, 11, 26, 14, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def test_seed_gives_a_year_of_statements_quickly_and_no_second_purchase_invoices(contoso, frozen_now):
    started = time.perf_counter()
    demo.seed(tenant=contoso)
    elapsed = time.perf_counter() - started
    assert elapsed < 20
    statements = list(Invoice.objects.filter(tenant=contoso, kind="statement").order_by("period_start"))
    assert len(statements) == 12
    assert [s.period_start.isoformat()[:7] for s in statements][:2] == ["2025-11", "2025-12"]
    assert statements[-1].period_start.isoformat()[:7] == "2026-10"
    # Purchases are invoiced by Communications Credits when they are made, never a second time here.
    assert not Invoice.objects.filter(tenant=contoso, kind="purchase").exists()
    listed = [p for s in statements for p in StatementData.from_json(s.snapshot.data).purchases]
    assert len(listed) >= 4 and all(p.invoice_number == "" for p in listed)
    assert Invoice.objects.filter(tenant=contoso, kind="creditNote").count() == 1
    numbers = sorted(Invoice.objects.filter(tenant=contoso).values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_seeded_statements_chain_their_balances_and_have_a_few_hundred_calls(contoso, frozen_now):
    demo.seed(tenant=contoso)
    previous_closing = None
    for report in Invoice.objects.filter(tenant=contoso, kind="statement").order_by("period_start"):
        data = StatementData.from_json(report.snapshot.data)
        assert 240 <= data.call_count <= 380
        assert len(data.usage_by_country) >= 8 and len(data.usage_by_user) >= 10
        assert data.closing_balance >= Decimal("0")
        if previous_closing is not None:
            assert data.opening_balance == previous_closing
        previous_closing = data.closing_balance


def test_seeding_again_changes_nothing(contoso, frozen_now):
    demo.seed(tenant=contoso)
    before = list(Invoice.objects.filter(tenant=contoso).order_by("number").values_list("number", "kind", "total"))
    demo.seed(tenant=contoso)
    after = list(Invoice.objects.filter(tenant=contoso).order_by("number").values_list("number", "kind", "total"))
    assert after == before


def test_synthetic_calls_are_deterministic():
    callers = [demo.Caller(f"u{i}@contoso.test", f"U {i}") for i in range(5)]
    month = datetime(2026, 5, 1).date()
    first = demo.synthetic_calls(month=month, callers=callers, count=50, seed="contoso")
    assert first == demo.synthetic_calls(month=month, callers=callers, count=50, seed="contoso")
    assert all(call.started_at.month == 5 for call in first)
