"""Reservations hold available balance for calls in progress; lots expire twelve months after purchase."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from billing.credits.exceptions import IdempotencyConflict, InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import LedgerEntry, Reservation
from billing.credits.selectors import credits_balance
from billing.credits.services import (
    credits_debit,
    credits_expire_lots,
    credits_expire_reservations,
    credits_release,
    credits_reserve,
)
from billing.credits.tasks import expire_due_credits


def D(value):
    return Decimal(value)


def test_a_reservation_holds_part_of_the_available_balance(tenant, fund):
    fund(100)
    credits_reserve(tenant=tenant, amount=D("80.00"), call_id="call-1")
    balance = credits_balance(tenant=tenant)
    assert (balance.balance, balance.reserved, balance.available) == (D("100.00"), D("80.00"), D("20.00"))
    with pytest.raises(InsufficientCredits):
        credits_debit(tenant=tenant, amount=D("20.01"), call_id="call-2")
    with pytest.raises(InsufficientCredits):
        credits_reserve(tenant=tenant, amount=D("20.01"), call_id="call-3")


def test_charging_a_reserved_call_converts_its_reservation(tenant, fund):
    fund(100)
    credits_reserve(tenant=tenant, amount=D("80.00"), call_id="call-1")
    entry = credits_debit(tenant=tenant, amount=D("95.00"), call_id="call-1")
    reservation = Reservation.objects.get(call_id="call-1")
    assert reservation.status == "converted" and reservation.entry == entry
    balance = credits_balance(tenant=tenant)
    assert (balance.balance, balance.reserved, balance.available) == (D("5.00"), D("0.00"), D("5.00"))


def test_releasing_gives_the_amount_back_and_twice_changes_nothing(tenant, fund):
    fund(100)
    credits_reserve(tenant=tenant, amount=D("80.00"), call_id="call-1")
    released = credits_release(tenant=tenant, call_id="call-1")
    assert released.status == "released"
    assert credits_release(tenant=tenant, call_id="call-1").settled_at == released.settled_at
    assert credits_balance(tenant=tenant).available == D("100.00")
    assert not LedgerEntry.objects.exclude(kind="purchase").exists()
    with pytest.raises(ValidationError):
        credits_release(tenant=tenant, call_id="never-reserved")


def test_reserving_a_call_again_returns_the_first_reservation(tenant, fund):
    fund(100)
    first = credits_reserve(tenant=tenant, amount=D("10.00"), call_id="call-1")
    assert credits_reserve(tenant=tenant, amount=D("10.00"), call_id="call-1").pk == first.pk
    with pytest.raises(IdempotencyConflict):
        credits_reserve(tenant=tenant, amount=D("11.00"), call_id="call-1")
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="call-2")
    with pytest.raises(IdempotencyConflict, match="already been charged"):
        credits_reserve(tenant=tenant, amount=D("1.00"), call_id="call-2")


def test_an_expired_reservation_stops_holding_and_the_sweep_marks_it(tenant, fund):
    fund(100)
    credits_reserve(tenant=tenant, amount=D("80.00"), call_id="call-1")
    later = timezone.now() + timedelta(hours=5)
    assert credits_balance(tenant=tenant, now=later).available == D("100.00")
    assert credits_expire_reservations(now=later) == 1
    assert Reservation.objects.get().status == "expired"
    with pytest.raises(ValidationError):
        credits_reserve(tenant=tenant, amount=D("1.00"), call_id="call-2", expires_at=timezone.now() - timedelta(1))


def test_lots_expire_twelve_months_after_purchase_and_forfeit_their_remainder(tenant, fund):
    old = fund(100, at=timezone.now() - timedelta(days=370))
    fresh = fund(50)
    entries = credits_expire_lots(tenant=tenant)
    assert [(e.kind, e.amount, e.lot_id) for e in entries] == [("expiry", D("-100.00"), old.lot.pk)]
    old.lot.refresh_from_db()
    assert old.lot.remaining == D("0.00") and old.lot.expired_at is not None
    assert credits_balance(tenant=tenant).balance == D("50.00")
    assert credits_expire_lots(tenant=tenant) == []
    fresh.lot.refresh_from_db()
    assert fresh.lot.remaining == D("50.00")
    assert ledger_problems() == []


def test_a_debit_never_spends_a_lot_past_its_expiry(tenant, fund):
    old = fund(100, at=timezone.now() - timedelta(days=366))
    fund(20)
    assert credits_balance(tenant=tenant).available == D("20.00")
    with pytest.raises(InsufficientCredits):
        credits_debit(tenant=tenant, amount=D("20.01"), call_id="call-1")
    credits_debit(tenant=tenant, amount=D("5.00"), call_id="call-1")
    old.lot.refresh_from_db()
    assert old.lot.remaining == D("0.00")
    assert list(LedgerEntry.objects.order_by("id").values_list("kind", "amount")) == [
        ("purchase", D("100.00")), ("purchase", D("20.00")), ("expiry", D("-100.00")), ("call_charge", D("-5.00"))]


def test_the_daily_task_expires_lots_and_reservations_of_every_tenant(tenant, other_tenant, fund, add_card,
                                                                    other_tenant_admin):
    from billing.credits.services import credits_add_funds

    fund(100, at=timezone.now() - timedelta(days=400))
    theirs = add_card(for_tenant=other_tenant, actor=other_tenant_admin)
    credits_add_funds(tenant=other_tenant, amount=70, payment_method=theirs, idempotency_key="o",
                      actor=other_tenant_admin, at=timezone.now() - timedelta(days=380))
    result = expire_due_credits.delay().get()
    assert result == {"tenants": 2, "lots": 2, "reservations": 0}
    assert LedgerEntry.objects.filter(kind="expiry").count() == 2
    call_command("check_ledger")
