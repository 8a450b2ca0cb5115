"""One decision, two executors: the plain-SQL path and the ORM path leave identical ledgers (issue 14).

A Hypothesis state machine runs the same random sequence of fund, reserve, release, expire-reservation, debit (a
new call, a reserved call, a call whose reservation was released or expired, a debit while a lot is due to
expire), refund, adjust, lot expiry and batch import on two tenants: one through the plain path
(ledger_hot.ENABLED), one with it forced off. After every step both must have answered alike (the same result or
the same refusal) and hold the same ledger entries, lots, reservations, balance events and emails, ids aside.
"""
import itertools
import os
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.roles import Role
from billing.credits import decisions as rules
from billing.credits import lock_objects
from billing.credits.exceptions import CreditsError, InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import AutoRechargeSettings, LedgerEntry, Lot, Reservation
from billing.credits.services import (
    balance_events,
    credits_add_funds,
    credits_adjust,
    credits_available,
    credits_debit,
    credits_debit_batch,
    credits_expire_lots,
    credits_expire_reservations,
    credits_refund,
    credits_release,
    credits_reserve,
    ledger_hot,
    payment_method_add_card,
)
from billing.notifications.models import Notification, NotificationSettings
from tests.factories import TenantFactory, UserFactory

CENTS = st.integers(min_value=1, max_value=9_000).map(lambda c: Decimal(c) / 100)
DOLLARS = st.sampled_from([50, 60, 100, 150])
ZERO = Decimal("0.00")


def _outcome(work):
    """What a service answered, comparable across tenants: its error's type and message, or a summary of its result."""
    try:
        result = work()
    except (CreditsError, ValidationError) as exc:
        return ("refused", type(exc).__name__, str(exc))
    if isinstance(result, LedgerEntry):
        return ("entry", result.kind, result.amount, result.balance_after, result.call_id)
    if isinstance(result, Reservation):
        return ("reservation", result.call_id, result.amount, result.status)
    if isinstance(result, list):
        return ("entries", [(e.kind, e.amount, e.balance_after) for e in result])
    return ("value", result)


class Side:
    """One tenant and the path it runs on."""

    def __init__(self, name, *, plain, recharges):
        self.plain = plain
        self.tenant = TenantFactory(name=f"Differential {name}")
        UserFactory(tenant=self.tenant, upn=f"billing@{self.tenant.initial_domain}", display_name="Bill",
                    roles=[Role.BILLING_ADMIN])
        self.card = payment_method_add_card(tenant=self.tenant, number="4242424242424242", exp_month=12,
                                            exp_year=timezone.localdate().year + 3, holder_name="Model", actor=None)
        AutoRechargeSettings.objects.create(tenant=self.tenant, enabled=True, trigger_amount=Decimal("50.00"),
                                            recharge_amount=Decimal("100.00"), payment_method=self.card)
        NotificationSettings.objects.create(tenant=self.tenant, low_balance_levels=[40, 10])
        self.recharges = recharges
        self.purchases = []

    def run(self, work):
        ledger_hot.ENABLED = self.plain
        try:
            return _outcome(work)
        finally:
            ledger_hot.ENABLED = True

    def snapshot(self):
        """Everything the ledger holds for this tenant, with database ids replaced by their order of creation."""
        entries = list(LedgerEntry.objects.filter(account__tenant=self.tenant).order_by("id"))
        lots = list(Lot.objects.filter(account__tenant=self.tenant).order_by("id"))
        holds = list(Reservation.objects.filter(account__tenant=self.tenant).order_by("id"))
        purchases = {p.pk: n for n, p in enumerate(self.tenant.credit_purchases.order_by("id"))}
        entry_no = {e.pk: n for n, e in enumerate(entries)}
        lot_no = {lot.pk: n for n, lot in enumerate(lots)}
        hold_no = {r.pk: n for n, r in enumerate(holds)}

        def key(text):
            text = re.sub(r"expiry:lot:(\d+)", lambda m: f"expiry:lot:#{lot_no[int(m.group(1))]}", text)
            text = re.sub(r"entry-(\d+)", lambda m: f"entry-#{entry_no[int(m.group(1))]}", text)
            text = re.sub(r"^purchase:(\d+)$", lambda m: f"purchase:#{purchases[int(m.group(1))]}", text)
            return re.sub(r"hold-(\d+)", lambda m: f"hold-#{hold_no[int(m.group(1))]}", text)

        return {
            "entries": [(e.kind, e.amount, e.balance_after, key(e.idempotency_key), e.call_id, e.memo, e.created_at,
                         lot_no.get(e.lot_id), purchases.get(e.purchase_id), e.actor_label, bool(e.reference)) for e in entries],
            "lots": [(entry_no[lot.entry_id], lot.amount, lot.remaining, lot.purchased_at, lot.expires_at, lot.expired_at)
                     for lot in lots],
            "reservations": [(r.call_id, r.amount, r.status, r.expires_at, r.settled_at, entry_no.get(r.entry_id))
                             for r in holds],
            "balance": self.tenant.credit_account.balance if entries else ZERO,
            "emails": sorted((n.event, key(n.period_key), n.emails.count())
                             for n in Notification.objects.filter(tenant=self.tenant)),
            "recharge_events": self.recharges.count(self.tenant.pk),
        }


class Differential(RuleBasedStateMachine):
    calls = Bundle("calls")
    clock = None

    def __init__(self):
        super().__init__()
        self.clock.at(2026, 6, 17, 9, 30)
        self.serial = itertools.count(1)
        self.recharges = []
        self.sides = [Side("plain", plain=True, recharges=self.recharges),
                      Side("orm", plain=False, recharges=self.recharges)]

    def both(self, work):
        """Runs work(side) on each side; both must answer alike."""
        plain, orm = (side.run(lambda side=side: work(side)) for side in self.sides)
        assert plain == orm
        return plain

    def _call(self):
        return f"call-{next(self.serial)}"

    @rule(amount=DOLLARS)
    def fund(self, amount):
        key = f"fund-{next(self.serial)}"

        def buy(side):
            purchase = credits_add_funds(tenant=side.tenant, amount=amount, payment_method=side.card,
                                         idempotency_key=key, actor=None).purchase
            side.purchases.append(purchase)
            return purchase.amount
        self.both(buy)

    @rule(target=calls, amount=CENTS, minutes=st.integers(min_value=1, max_value=120))
    def reserve(self, amount, minutes):
        call_id = self._call()
        expires = timezone.now() + timedelta(minutes=minutes)
        self.both(lambda side: credits_reserve(tenant=side.tenant, amount=amount, call_id=call_id, expires_at=expires))
        return call_id

    @rule(call_id=calls)
    def release(self, call_id):
        self.both(lambda side: credits_release(tenant=side.tenant, call_id=call_id))

    @rule()
    def expire_reservations(self):
        credits_expire_reservations(now=timezone.now())

    @rule(target=calls, amount=CENTS)
    def debit_a_new_call(self, amount):
        call_id = self._call()
        self.both(lambda side: credits_debit(tenant=side.tenant, amount=amount, call_id=call_id))
        return call_id

    @rule(call_id=calls, amount=CENTS, toll_free=st.booleans())
    def debit_a_reserved_or_charged_call(self, call_id, amount, toll_free):
        """The call may hold its reservation, have had it released or expired, or have been charged already."""
        kind = LedgerEntry.Kind.TOLL_FREE_CHARGE if toll_free else LedgerEntry.Kind.CALL_CHARGE
        self.both(lambda side: credits_debit(tenant=side.tenant, amount=amount, call_id=call_id, kind=kind))

    @rule(call_id=calls)
    def debit_a_call_at_exactly_its_hold(self, call_id):
        def charge(side):
            held = Reservation.objects.filter(account__tenant=side.tenant, call_id=call_id).first()
            amount = held.amount if held is not None else Decimal("1.00")
            return credits_debit(tenant=side.tenant, amount=amount, call_id=call_id)
        self.both(charge)

    @rule(minutes=st.integers(min_value=1, max_value=90))
    def minutes_pass(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule(days=st.sampled_from([30, 200, 366]))
    def days_pass(self, days):
        """Enough days that lots fall due: the next debit, hold or import forfeits them first."""
        self.clock.advance(days=days)

    @rule()
    def expire_lots(self):
        self.both(lambda side: credits_expire_lots(tenant=side.tenant))

    @rule(which=st.integers(min_value=0, max_value=20), part=st.integers(min_value=1, max_value=100))
    def refund(self, which, part):
        key = f"refund-{next(self.serial)}"

        def give_back(side):
            if not side.purchases:
                return None
            purchase = side.purchases[which % len(side.purchases)]
            amount = (purchase.amount * part / 100).quantize(Decimal("0.01"))
            return credits_refund(purchase=purchase, amount=amount, idempotency_key=key, actor=None)
        self.both(give_back)

    @rule(amount=st.integers(min_value=-5_000, max_value=5_000).filter(bool).map(lambda c: Decimal(c) / 100))
    def adjust(self, amount):
        key = f"adjust-{next(self.serial)}"
        self.both(lambda side: credits_adjust(tenant=side.tenant, amount=amount, reason="Differential",
                                              idempotency_key=key, actor=None))

    @rule(amounts=st.lists(CENTS, min_size=1, max_size=4))
    def batch_import(self, amounts):
        """The import's write: charges accepted while the available balance covers them, in one batch."""
        calls = [self._call() for _ in amounts]

        def import_rows(side):
            account = lock_objects.credit_account_for_update(tenant=side.tenant)
            available = credits_available(tenant=side.tenant)
            charges = []
            for call_id, amount in zip(calls, amounts, strict=True):
                if amount <= available:
                    available -= amount
                    charges.append((call_id, amount, LedgerEntry.Kind.CALL_CHARGE, "imported"))
            return credits_debit_batch(account=account, charges=charges, actor=None, at=timezone.now())
        self.both(import_rows)

    @invariant()
    def both_paths_left_the_same_ledger(self):
        plain, orm = (side.snapshot() for side in self.sides)
        assert plain == orm
        for side in self.sides:
            assert ledger_problems(tenant=side.tenant) == []


@pytest.fixture
def recharge_events(monkeypatch):
    """The auto-recharge trigger's firings (tenant ids), instead of a task enqueued after the commit."""
    fired = []
    monkeypatch.setattr(balance_events, "start_recharge_after_commit", fired.append)
    return fired


def run_differential(machine_class, *, clock, recharge_events, monkeypatch, max_examples):
    """Runs a Differential state machine on the suite's clock, both sides counting the auto-recharge firings."""
    monkeypatch.setattr(machine_class, "clock", clock)

    class Machine(machine_class):
        def __init__(self):
            super().__init__()
            recharge_events.clear()
            self.recharges = recharge_events
            for side in self.sides:
                side.recharges = recharge_events

    run_state_machine_as_test(Machine, settings=settings(
        phases=[Phase.explicit, Phase.generate] if os.environ.get("NO_SHRINK") else list(Phase),
        max_examples=max_examples, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def test_the_plain_path_and_the_orm_path_leave_identical_ledgers(db, clock, recharge_events, monkeypatch):
    run_differential(Differential, clock=clock, recharge_events=recharge_events, monkeypatch=monkeypatch,
                     max_examples=30)


@pytest.fixture(params=[True, False], ids=["plain", "orm"])
def path(request):
    ledger_hot.ENABLED = request.param
    yield request.param
    ledger_hot.ENABLED = True


def test_a_released_reservation_holds_nothing_on_either_path(path, tenant, fund):
    """Fund $10, reserve A $6 and B $3, release B: B's $5 debit is refused (only $4 is available), on both paths."""
    fund(10)
    credits_reserve(tenant=tenant, amount=Decimal("6"), call_id="A")
    credits_reserve(tenant=tenant, amount=Decimal("3"), call_id="B")
    credits_release(tenant=tenant, call_id="B")
    with pytest.raises(InsufficientCredits) as refused:
        credits_debit(tenant=tenant, amount=Decimal("5"), call_id="B")
    assert refused.value.available == Decimal("4.00")
    assert "$4.00" in str(refused.value)
    assert credits_debit(tenant=tenant, amount=Decimal("4"), call_id="B").balance_after == Decimal("6.00")
    assert Reservation.objects.get(call_id="B").status == Reservation.Status.RELEASED
    assert ledger_problems(tenant=tenant) == []


def test_a_call_completing_exactly_at_its_hold_sends_the_zero_email(path, tenant, fund, billing_admin):
    fund(10)
    credits_reserve(tenant=tenant, amount=Decimal("10"), call_id="all-of-it")
    assert not Notification.objects.filter(tenant=tenant, event="balance_zero").exists()  # a hold sends no email
    entry = credits_debit(tenant=tenant, amount=Decimal("10"), call_id="all-of-it")
    assert entry.balance_after == 0
    zero = Notification.objects.get(tenant=tenant, event="balance_zero")
    assert zero.period_key == f"zero:entry-{entry.pk}" and zero.emails.count() == 1


def test_the_batch_import_forfeits_lots_due_to_expire_first(tenant, fund, clock):
    old = fund(100).lot
    clock.advance(days=200)
    fund(50)
    clock.move_to(old.expires_at + timedelta(hours=1))
    with transaction.atomic():
        account = lock_objects.credit_account_for_update(tenant=tenant)
        charged = credits_debit_batch(account=account, charges=[("imp-1", Decimal("20"), "call_charge", "imported")],
                                      actor=None, at=timezone.now())
    assert charged == Decimal("20.00")
    kinds = list(LedgerEntry.objects.filter(account__tenant=tenant).order_by("id").values_list("kind", "amount"))
    assert kinds[-2:] == [("expiry", Decimal("-100.00")), ("call_charge", Decimal("-20.00"))]
    old.refresh_from_db()
    assert old.remaining == 0 and old.expired_at is not None
    assert ledger_problems(tenant=tenant) == []


# ---------------------------------------------------------------------------- the decisions, on hand-made states
NOW = datetime(2026, 6, 17, 9, 30, tzinfo=UTC)


def _state(**overrides):
    lots = (rules.LotState(1, Decimal("7.00"), NOW - timedelta(days=400), NOW - timedelta(days=30)),
            rules.LotState(2, Decimal("5.00"), NOW - timedelta(days=10), NOW + timedelta(days=355)),
            rules.LotState(3, Decimal("8.00"), NOW - timedelta(days=5), NOW + timedelta(days=360)))
    values = {"account_id": 1, "now": NOW, "balance": Decimal("20.00"), "held": Decimal("3.00"), "lots": lots,
              "call_id": "c", "watched": rules.Watched(recharge_on=True, trigger=Decimal("5"),
                                                       low_levels=(Decimal("8"), Decimal("2")))}
    return rules.AccountState(**{**values, **overrides})


def test_a_debit_forfeits_due_lots_then_spends_oldest_first():
    plan = rules.decide_debit(_state(), amount=Decimal("6.00"), kind="call_charge")
    assert plan.lot_changes == (rules.LotChange(1, ZERO, expired=True), rules.LotChange(2, ZERO),
                                rules.LotChange(3, Decimal("7.00")))
    assert [(e.kind, e.amount, e.balance_after) for e in plan.entries] == [
        ("expiry", Decimal("-7.00"), Decimal("13.00")), ("call_charge", Decimal("-6.00"), Decimal("7.00"))]
    # available 20 - 7 due - 3 held = 10; after 4: the recharge trigger (5) and the $8 level are crossed
    assert [(e.kind, e.level) for e in plan.events] == [("recharge", None), ("low_balance", Decimal("8"))]


def test_a_refusal_says_which_rule_and_what_was_available():
    refusal = rules.decide_debit(_state(), amount=Decimal("10.01"), kind="call_charge")
    assert (refusal.reason, refusal.available) == (rules.INSUFFICIENT, Decimal("10.00"))
    released = rules.ReservationState(9, Decimal("3.00"), rules.RELEASED, NOW + timedelta(minutes=5))
    assert isinstance(rules.decide_debit(_state(reservation=released), amount=Decimal("10.01"), kind="call_charge"),
                      rules.Refusal)
    live = rules.ReservationState(9, Decimal("3.00"), rules.HELD, NOW + timedelta(minutes=5))
    plan = rules.decide_debit(_state(reservation=live), amount=Decimal("13.00"), kind="call_charge")
    assert plan.reservation_status == rules.CONVERTED and plan.balance_after == 0
    assert rules.BALANCE_ZERO in [e.kind for e in plan.events]
    charged = rules.EarlierEntry(4, "call_charge", Decimal("-1.00"))
    assert rules.decide_debit(_state(earlier=charged), amount=Decimal("1.00"), kind="call_charge").replay_id == 4
    assert rules.decide_debit(_state(earlier=charged), amount=Decimal("2.00"), kind="call_charge").reason == rules.CONFLICT


def test_a_hold_moves_only_the_recharge_trigger_and_a_release_of_an_old_hold_is_an_expiry():
    plan = rules.decide_hold(_state(), amount=Decimal("6.00"), expires_at=NOW + timedelta(minutes=5))
    assert [e.kind for e in plan.events] == ["recharge"] and plan.hold.amount == Decimal("6.00")
    old = rules.ReservationState(9, Decimal("3.00"), rules.HELD, NOW - timedelta(minutes=1))
    assert rules.decide_release(_state(reservation=old)).reservation_status == rules.EXPIRED
    assert rules.decide_release(_state()).reason == rules.NO_RESERVATION
