"""Statements from the ledger: a real month of credits and calls, issued and rendered, checked against sums
computed here from the ledger entries and call records one by one."""
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from accounts.models import Tenant
from billing.credits.models import LedgerEntry
from billing.credits.services import payment_method_add_invoice
from billing.invoices.models import Invoice
from billing.invoices.services import invoice_render_pdf, statement_issue_from_ledger
from billing.invoices.statement_data import statement_data_for
from billing.invoices.statements import StatementData
from billing.rating.models import CallRecord
from core.validation import country_name
from tests.invoices.factories import (
    build_march_2026,
    callers_with_credits,
    card_on_file,
    fund,
    import_calls,
    random_calls,
)

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def _flat(text):
    return re.sub(r"\s+", " ", text)


def _dollars(amount):
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def ledger_sums(tenant, month):
    """What the statement must say, from every ledger entry and call record taken one at a time."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    records = {r.call_id: r for r in CallRecord.objects.filter(tenant=tenant)}
    sums = {"opening": Decimal("0.00"), "closing": Decimal("0.00"), "purchases": [], "expired": Decimal("0.00"),
            "adjustments": [], "usage": Decimal("0.00"), "calls": 0,
            "by_country": defaultdict(lambda: [0, 0, Decimal("0.00")]),
            "by_user": defaultdict(lambda: [0, 0, Decimal("0.00")])}
    for entry in LedgerEntry.objects.filter(account__tenant=tenant).order_by("created_at", "id"):
        if entry.created_at < start:
            sums["opening"] += entry.amount
        if entry.created_at < end:
            sums["closing"] += entry.amount
        if not start <= entry.created_at < end:
            continue
        if entry.kind in ("purchase", "recharge"):
            sums["purchases"].append(entry.amount)
        elif entry.kind == "expiry":
            sums["expired"] -= entry.amount
        elif entry.kind in ("refund", "adjustment"):
            sums["adjustments"].append(entry.amount)
        else:
            record = records.get(entry.call_id)
            country = record.callee_country if record else ""
            user = (record.user_principal_name or "Service numbers") if record else "Unknown"
            minutes = record.credit_minutes if record else 0
            for row in (sums["by_country"][country], sums["by_user"][user]):
                row[0] += 1
                row[1] += minutes
                row[2] -= entry.amount
            sums["usage"] -= entry.amount
            sums["calls"] += 1
    return sums


@pytest.fixture
def march(tenant, clock, billing_admin):
    return build_march_2026(tenant, clock, billing_admin)


def test_statement_data_is_what_the_ledger_and_call_records_say(tenant, march):
    data = statement_data_for(tenant=tenant, month=MARCH)
    expected = ledger_sums(tenant, MARCH)

    data.validate(month=MARCH)
    assert (data.opening_balance, data.closing_balance) == (expected["opening"], expected["closing"])
    assert [p.amount for p in data.purchases] == expected["purchases"] == [Decimal("500.00")]
    assert data.expiries_total == expected["expired"] > 0
    assert [a.amount for a in data.adjustments] == expected["adjustments"] == [
        Decimal("-40.00"), Decimal("12.50"), Decimal("-5.00")]
    assert data.usage_total == expected["usage"] and data.call_count == expected["calls"]
    assert {u.country: [u.calls, u.minutes, u.amount] for u in data.usage_by_country} == expected["by_country"]
    by_user = {(u.user_principal_name or u.display_name): [u.calls, u.minutes, u.amount] for u in data.usage_by_user}
    assert by_user == expected["by_user"]
    assert set(expected["by_country"]) == {"GB", "DE", "FR", "JP", "EG", "US", ""}


def test_the_month_holds_what_was_charged_in_it_whenever_the_call_started(tenant, march):
    calls = {line.call_id: line for line in statement_data_for(tenant=tenant, month=MARCH).calls}

    assert calls["late-feb-28"].started_at == datetime(2026, 2, 28, 23, 55, tzinfo=UTC)
    assert "last-of-march" in calls and "live-1" in calls and "toll-free-2" in calls
    assert "over-midnight" not in calls
    assert not any(call_id.startswith(("feb-", "domestic-")) for call_id in calls)
    april = {line.call_id for line in statement_data_for(tenant=tenant, month=date(2026, 4, 1)).calls}
    assert april == {"over-midnight"}


def test_a_charge_without_its_call_record_counts_under_unknown(tenant, march):
    data = statement_data_for(tenant=tenant, month=MARCH)

    orphan = next(line for line in data.calls if line.call_id == "carrier-late-1")
    assert (orphan.charge, orphan.country, orphan.user_principal_name, orphan.destination) == (
        Decimal("1.23"), "", "", "Unknown")
    assert orphan.started_at == datetime(2026, 3, 25, 10, tzinfo=UTC)
    unknown = next(u for u in data.usage_by_user if u.display_name == "Unknown")
    assert (unknown.calls, unknown.amount) == (1, Decimal("1.23"))
    service = next(u for u in data.usage_by_user if u.display_name == "Service numbers")
    assert service.calls == 3 and service.user_principal_name == ""


def test_purchases_expiries_and_adjustments_are_described_with_their_invoice_and_reason(tenant, march):
    data = statement_data_for(tenant=tenant, month=MARCH)

    (recharge,) = data.purchases
    assert recharge.date == date(2026, 3, 12)
    assert recharge.description == "Auto-recharge, paid with Visa •••• 4242"
    assert recharge.invoice_number == march.recharge_invoice.display_number
    (expiry,) = data.expiries
    assert (expiry.date, expiry.description) == (date(2026, 3, 10), "Funds added Mar 10, 2025 not used within 12 months")
    assert [(a.date, a.description) for a in data.adjustments] == [
        (date(2026, 3, 15), "Refund of funds added Feb 14, 2026 to Visa •••• 4242: Unused funds returned at the "
                            "customer's request"),
        (date(2026, 3, 18), "Balance adjustment: Goodwill credit for dropped calls"),
        (date(2026, 3, 19), "Balance adjustment: Duplicated goodwill credit taken back"),
    ]


def test_the_issued_statement_pdf_shows_the_ledgers_figures(tenant, march):
    expected = ledger_sums(tenant, MARCH)
    report = statement_issue_from_ledger(tenant=tenant, month=MARCH)
    report = invoice_render_pdf(invoice_id=report.pk)
    with report.pdf.open("rb") as pdf:
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.read())).pages]
    text = _flat(" ".join(pages))

    assert report.display_number in text and report.period_start == MARCH
    for phrase in (f"Opening balance, Mar 1 {_dollars(expected['opening'])}",
                   f"Purchases {_dollars(sum(expected['purchases']))}",
                   f"Usage charges {_dollars(-expected['usage'])}",
                   f"Expired funds {_dollars(-expected['expired'])}",
                   f"Refunds and adjustments {_dollars(sum(expected['adjustments']))}",
                   f"Closing balance, Mar 31 {_dollars(expected['closing'])}",
                   f"Mar 12, 2026 Auto-recharge, paid with Visa •••• 4242 {march.recharge_invoice.display_number} $500.00",
                   "Balance adjustment: Goodwill credit for dropped calls $12.50",
                   f"{expected['calls']} charged calls",
                   "Calls are listed in the month they were charged: 1 call that started before March 1 was charged "
                   "after it.",
                   f"{expected['calls']} calls, total charges {_dollars(expected['usage'])}"):
        assert phrase in text, phrase
    for country, (calls, minutes, amount) in expected["by_country"].items():
        assert f"{country_name(country) or 'Unknown'} {calls} {minutes} {_dollars(amount)}" in text, country
    displays = {"ada@contoso.test": "Ada Lovelace", "grace@contoso.test": "Grace Hopper",
                "alan@contoso.test": "Alan Turing", "katherine@contoso.test": "Katherine Johnson"}
    for user, (calls, minutes, amount) in expected["by_user"].items():
        shown = f"{displays[user]} {user}" if user in displays else user
        assert f"{shown} {calls} {minutes} {_dollars(amount)}" in text, user
    appendix_rows = re.findall(r"^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d", "\n".join(pages), re.M)
    assert len(appendix_rows) == expected["calls"]


def test_the_statement_lines_are_usage_by_country_from_the_ledger(tenant, march):
    report = statement_issue_from_ledger(tenant=tenant, month=MARCH)
    expected = ledger_sums(tenant, MARCH)

    assert report.total == expected["usage"] == sum(line.amount for line in report.lines.all())
    lines = {line.description: line.amount for line in report.lines.all()}
    assert lines["Calls to unknown destinations"] == Decimal("1.23")
    assert lines["Calls to Germany"] == expected["by_country"]["DE"][2]


def test_a_purchase_invoiced_against_the_agreement_names_it_and_its_po(tenant, clock, global_admin):
    tenant.billing_account_kind, tenant.agreement_number = Tenant.BillingAccountKind.EA, "EA-8675309"
    tenant.save()
    clock.at(2026, 3, 9, 14)
    method = payment_method_add_invoice(tenant=tenant, agreement_number="EA-8675309", po_number="PO-4471",
                                        actor=global_admin)
    bought = fund(tenant, method, "1000", key="ea", actor=global_admin)
    invoice = Invoice.objects.get(tenant=tenant, reference=f"purchase:{bought.pk}")  # every purchase is invoiced
    clock.at(2026, 4, 1, 2)

    (line,) = statement_data_for(tenant=tenant, month=MARCH).purchases
    assert line.description == "One-time purchase, paid with Invoice (agreement EA-8675309, PO PO-4471)"
    assert (line.invoice_number, line.amount) == (invoice.display_number, Decimal("1000.00"))


def test_a_month_without_activity_carries_the_balance_through(tenant, clock, billing_admin):
    clock.at(2026, 1, 20, 9)
    card = card_on_file(tenant, billing_admin)
    fund(tenant, card, "250", key="january", actor=billing_admin)
    clock.at(2026, 3, 2, 9)

    data = statement_data_for(tenant=tenant, month=date(2026, 2, 1))
    assert data == StatementData.empty(balance=Decimal("250.00"))
    report = statement_issue_from_ledger(tenant=tenant, month=date(2026, 2, 1))
    assert (report.total, report.lines.count()) == (Decimal("0.00"), 0)
    with invoice_render_pdf(invoice_id=report.pk).pdf.open("rb") as pdf:
        text = _flat(PdfReader(io.BytesIO(pdf.read())).pages[0].extract_text())
    for phrase in ("Opening balance, Feb 1 $250.00", "Closing balance, Feb 28 $250.00", "No purchases this month.",
                   "No refunds or adjustments this month.", "0 charged calls"):
        assert phrase in text, phrase


def test_a_month_before_the_tenant_had_credits_is_empty(tenant, other_tenant, march):
    assert statement_data_for(tenant=tenant, month=date(2025, 2, 1)) == StatementData.empty(balance=Decimal("0.00"))
    assert statement_data_for(tenant=other_tenant, month=MARCH) == StatementData.empty(balance=Decimal("0.00"))


def test_another_tenants_ledger_and_calls_never_reach_the_statement(tenant, other_tenant, clock, billing_admin,
                                                                    other_tenant_admin):
    build_march_2026(tenant, clock, billing_admin)
    clock.at(2026, 3, 3, 9)
    card = card_on_file(other_tenant, other_tenant_admin)
    fund(other_tenant, card, "100", key="fabrikam", actor=other_tenant_admin)
    clock.at(2026, 4, 2, 9)

    data = statement_data_for(tenant=other_tenant, month=MARCH)
    assert (data.opening_balance, data.closing_balance, data.call_count) == (Decimal("0.00"), Decimal("100.00"), 0)
    assert [p.amount for p in data.purchases] == [Decimal("100.00")]


def test_a_statement_cannot_be_issued_before_its_month_has_ended(tenant, clock):
    clock.at(2026, 3, 31, 23, 59)
    with pytest.raises(ValidationError, match="once the month has ended"):
        statement_issue_from_ledger(tenant=tenant, month=MARCH)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("count", [10, 200])
def test_reading_a_month_takes_the_same_queries_for_10_or_200_calls(tenant, clock, billing_admin, count,
                                                                     django_assert_num_queries):
    callers_with_credits(tenant)
    clock.at(2026, 2, 25, 9)
    fund(tenant, card_on_file(tenant, billing_admin), "5000", key="funding", actor=billing_admin)
    clock.at(2026, 3, 20, 20)
    import_calls(tenant, random_calls("bulk", count, day=date(2026, 3, 20), seed=count))

    charged = LedgerEntry.objects.filter(kind__in=LedgerEntry.CHARGE_KINDS).count()
    assert charged > count * 3 // 4  # the GB caller's calls to the UK come from the plan's pool

    with django_assert_num_queries(6):
        data = statement_data_for(tenant=tenant, month=MARCH)
    assert data.call_count == charged
