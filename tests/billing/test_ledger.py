"""Debits, refunds and adjustments: first in first out, never beyond the balance, idempotent, append-only."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditLog
from billing.credits.exceptions import IdempotencyConflict, InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import AppendOnlyError, GatewayRefund, LedgerEntry, Lot
from billing.credits.selectors import credits_balance
from billing.credits.services import credits_adjust, credits_debit, credits_refund


def D(value):
    return Decimal(value)


def test_debits_spend_the_oldest_purchase_first(tenant, fund):
    older = fund(100, at=timezone.now() - timedelta(days=60))
    newer = fund(50)
    credits_debit(tenant=tenant, amount=D("120.00"), call_id="call-1")
    older.lot.refresh_from_db()
    newer.lot.refresh_from_db()
    assert (older.lot.remaining, newer.lot.remaining) == (D("0.00"), D("30.00"))
    assert credits_balance(tenant=tenant).balance == D("30.00")
    assert ledger_problems() == []


def test_a_debit_records_the_call_its_kind_and_the_running_balance_in_the_ledger_not_the_audit_log(tenant, fund):
    fund(100)
    entry = credits_debit(tenant=tenant, amount=D("0.25"), call_id="tf-7", kind=LedgerEntry.Kind.TOLL_FREE_CHARGE,
                          memo="Toll-free minute")
    assert (entry.kind, entry.amount, entry.balance_after, entry.call_id) == ("toll_free_charge", D("-0.25"),
                                                                              D("99.75"), "tf-7")
    assert entry.actor_label == "System"
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.kind, stored.amount, stored.balance_after, stored.call_id, stored.idempotency_key, stored.memo) == (
        "toll_free_charge", D("-0.25"), D("99.75"), "tf-7", "toll_free_charge:tf-7", "Toll-free minute")
    assert stored.created_at == entry.created_at
    # Calls are machine events: the ledger is their record; the audit log keeps what people and operators did.
    assert not AuditLog.objects.filter(tenant=tenant, action__in=["credits.call_charge", "credits.toll_free_charge"]).exists()
    assert AuditLog.objects.filter(tenant=tenant, action="credits.purchase").count() == 1


def test_a_debit_may_be_dated_when_the_call_ended_but_not_in_the_future(tenant, fund):
    fund(100)
    ended = timezone.now() - timedelta(days=3)
    entry = credits_debit(tenant=tenant, amount=D("1.10"), call_id="past-1", at=ended)
    assert LedgerEntry.objects.get(pk=entry.pk).created_at == ended
    with pytest.raises(ValidationError):
        credits_debit(tenant=tenant, amount=D("1.10"), call_id="future-1", at=timezone.now() + timedelta(hours=1))
    assert not LedgerEntry.objects.filter(call_id="future-1").exists()
    assert ledger_problems() == []


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(tenant, fund):
    fund(10)
    with pytest.raises(InsufficientCredits) as caught:
        credits_debit(tenant=tenant, amount=D("10.01"), call_id="call-1")
    assert caught.value.available == D("10.00")
    assert LedgerEntry.objects.filter(kind="call_charge").count() == 0
    assert credits_balance(tenant=tenant).balance == D("10.00")


def test_a_tenant_that_never_bought_credits_cannot_be_charged(tenant):
    with pytest.raises(InsufficientCredits):
        credits_debit(tenant=tenant, amount=D("0.01"), call_id="call-1")


def test_the_same_call_charged_twice_is_charged_once(tenant, fund):
    fund(10)
    first = credits_debit(tenant=tenant, amount=D("1.50"), call_id="call-1")
    again = credits_debit(tenant=tenant, amount=D("1.50"), call_id="call-1")
    assert again.pk == first.pk
    assert credits_balance(tenant=tenant).balance == D("8.50")
    with pytest.raises(IdempotencyConflict, match="already charged"):
        credits_debit(tenant=tenant, amount=D("2.00"), call_id="call-1")
    with pytest.raises(IdempotencyConflict):
        credits_debit(tenant=tenant, amount=D("1.50"), call_id="call-1", kind=LedgerEntry.Kind.TOLL_FREE_CHARGE)


@pytest.mark.parametrize("amount", [D("0"), D("-1.00"), D("0.001"), 0.5, "abc", None, D("10000.01"), D("NaN")])
def test_bad_charge_amounts_name_the_amount(tenant, fund, amount):
    fund(10)
    with pytest.raises(ValidationError) as caught:
        credits_debit(tenant=tenant, amount=amount, call_id="call-1")
    assert "amount" in caught.value.message_dict
    assert not LedgerEntry.objects.filter(kind="call_charge").exists()


def test_a_charge_needs_a_call_id(tenant, fund):
    fund(10)
    with pytest.raises(ValidationError) as caught:
        credits_debit(tenant=tenant, amount=D("1.00"), call_id=" ")
    assert "call_id" in caught.value.message_dict


def test_only_charge_kinds_are_debits(tenant, fund):
    with pytest.raises(ValueError):
        credits_debit(tenant=tenant, amount=D("1.00"), call_id="c", kind=LedgerEntry.Kind.PURCHASE)


def test_ledger_entries_cannot_be_changed_or_deleted(tenant, fund):
    entry = fund(10).ledger_entry
    entry.memo = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(memo="changed")
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()


def test_the_database_refuses_a_negative_lot_remainder_and_a_reused_key(tenant, fund):
    purchase = fund(10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=purchase.lot.pk).update(remaining=D("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=purchase.lot.pk).update(remaining=D("11.00"))
    entry = purchase.ledger_entry
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(account=entry.account, kind="adjustment", amount=D("1.00"), balance_after=D("11.00"),
                                   idempotency_key=entry.idempotency_key, actor_label="test")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(account=entry.account, kind="call_charge", amount=D("-20.00"),
                                   balance_after=D("-10.00"), call_id="x", idempotency_key="x", actor_label="test")


def test_check_ledger_names_a_tenant_whose_balance_differs(tenant, fund):
    purchase = fund(10)
    assert ledger_problems() == []
    type(purchase.account).objects.filter(pk=purchase.account_id).update(balance=D("11.00"))
    problems = ledger_problems()
    assert problems == ["Contoso Test (contoso.test): balance 11.00 but the ledger sums to 10.00."]


def test_refund_returns_the_unused_part_of_a_purchase_to_the_card(tenant, fund, billing_admin):
    purchase = fund(100)
    credits_debit(tenant=tenant, amount=D("30.00"), call_id="call-1")
    entry = credits_refund(purchase=purchase, idempotency_key="r1", actor=billing_admin, reason="Customer request")
    assert (entry.kind, entry.amount, entry.balance_after) == ("refund", D("-70.00"), D("0.00"))
    assert entry.reference == GatewayRefund.objects.get().reference
    purchase.lot.refresh_from_db()
    assert purchase.lot.remaining == D("0.00")
    assert credits_refund(purchase=purchase, idempotency_key="r1", actor=billing_admin).pk == entry.pk
    assert GatewayRefund.objects.count() == 1
    assert ledger_problems() == []


def test_refund_is_limited_to_what_remains_of_the_purchase(tenant, fund, billing_admin):
    purchase = fund(100)
    fund(100)
    credits_debit(tenant=tenant, amount=D("60.00"), call_id="call-1")
    with pytest.raises(ValidationError) as caught:
        credits_refund(purchase=purchase, amount=D("41.00"), idempotency_key="r1", actor=billing_admin)
    assert caught.value.message_dict == {"amount": ["At most $40.00 of this purchase is left to refund."]}
    credits_debit(tenant=tenant, amount=D("40.00"), call_id="call-2")
    with pytest.raises(ValidationError) as caught:
        credits_refund(purchase=purchase, idempotency_key="r2", actor=billing_admin)
    assert "purchase" in caught.value.message_dict
    assert not GatewayRefund.objects.exists()


def test_operator_adjustments_add_a_lot_or_spend_first_in_first_out(tenant, fund, billing_admin):
    fund(10)
    credit = credits_adjust(tenant=tenant, amount="5.00", reason="Goodwill", idempotency_key="a1", actor=billing_admin)
    assert credit.created_lot.amount == D("5.00")
    debit = credits_adjust(tenant=tenant, amount="-12.00", reason="Correction", idempotency_key="a2", actor=billing_admin)
    assert debit.balance_after == D("3.00")
    assert list(Lot.objects.order_by("id").values_list("remaining", flat=True)) == [D("0.00"), D("3.00")]
    with pytest.raises(ValidationError):
        credits_adjust(tenant=tenant, amount="1", reason=" ", idempotency_key="a3", actor=billing_admin)
    with pytest.raises(InsufficientCredits):
        credits_adjust(tenant=tenant, amount="-3.01", reason="Too much", idempotency_key="a4", actor=billing_admin)
    assert ledger_problems() == []


def test_check_ledger_finds_a_broken_running_balance_and_exits_non_zero(tenant, fund):
    from django.core.management import CommandError, call_command

    entry = fund(10).ledger_entry
    LedgerEntry.objects.create(account=entry.account, kind="adjustment", amount=D("5.00"), balance_after=D("100.00"),
                               idempotency_key="forged", actor_label="test")
    problems = ledger_problems()
    assert "Contoso Test (contoso.test): balance 10.00 but the ledger sums to 15.00." in problems
    assert "Contoso Test (contoso.test): the ledger sums to 15.00 but the lots hold 10.00." in problems
    assert any("says the balance after it is 100.00 but the entries up to it sum to 15.00" in p for p in problems)
    assert any("breaks the hash chain" in p for p in problems)  # written without a seal
    with pytest.raises(CommandError, match="4 difference"):
        call_command("check_ledger")
    with pytest.raises(CommandError, match="No tenant"):
        call_command("check_ledger", tenant="nowhere.example")
