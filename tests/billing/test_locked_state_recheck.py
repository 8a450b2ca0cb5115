"""PostgreSQL: the credit state read that takes the account lock in its own statement (ledger_hot.locked_state)
never decides on a stale state.

A statement reads every table as of its start. When the lock it takes was held by a transaction that then
committed a hold, the read must not miss that hold: the lock_version check sends a second read. Here A holds
$6 of a $10 balance and keeps its transaction open; B, in another connection, asks to debit $5 while A holds
the lock, waits, and is refused once A commits (only $4 is free). Without the second read B would have seen
no hold and charged the $5.
"""
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.credits.exceptions import InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import CreditAccount, LedgerEntry, Reservation
from billing.credits.services import credits_add_funds, credits_debit, credits_reserve, payment_method_add_card
from billing.credits.services import ledger_hot as hot
from tests.factories import TenantFactory

from .conftest import VISA, future_year

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _funded(amount):
    tenant = TenantFactory()
    card = payment_method_add_card(tenant=tenant, number=VISA, exp_month=12, exp_year=future_year(),
                                   holder_name="Race", actor=None)
    credits_add_funds(tenant=tenant, amount=Decimal(amount), payment_method=card, idempotency_key="opening", actor=None)
    return tenant


def _wait_until_a_backend_waits_for_a_lock(timeout=30.0):
    """Polls pg_stat_activity (from a connection of its own) until some backend of this database waits on a lock."""
    deadline = time.monotonic() + timeout
    watcher = connections.create_connection("default")
    try:
        while time.monotonic() < deadline:
            with watcher.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock'")
                if cursor.fetchone()[0]:
                    return
            time.sleep(0.02)
        pytest.fail("the second request never waited for the account lock")
    finally:
        watcher.close()


def _hold_open_then_commit(tenant, release, held_up):
    """Thread A: holds $6 for call A in a transaction that stays open until `release` is set."""
    try:
        with transaction.atomic():
            credits_reserve(tenant=tenant, amount=Decimal("6.00"), call_id="call-a")
            held_up.set()
            release.wait(30)
    finally:
        connection.close()


def _race(tenant, work):
    """Runs work() in thread B while thread A holds the account lock with an uncommitted $6 hold; A commits only
    once B waits for the lock. Returns (what B returned or raised, the statements B ran)."""
    release, held_up = threading.Event(), threading.Event()
    outcome = {}

    def second():
        try:
            with CaptureQueriesContext(connection) as statements:
                try:
                    outcome["result"] = work()
                except Exception as exc:  # noqa: BLE001 (the test asserts on it)
                    outcome["result"] = exc
            outcome["statements"] = [q["sql"] for q in statements.captured_queries]
        finally:
            connection.close()

    first = threading.Thread(target=_hold_open_then_commit, args=(tenant, release, held_up))
    first.start()
    assert held_up.wait(30)
    other = threading.Thread(target=second)
    other.start()
    _wait_until_a_backend_waits_for_a_lock()
    release.set()
    first.join(30)
    other.join(30)
    assert not first.is_alive() and not other.is_alive()
    return outcome["result"], outcome["statements"]


def _state_reads(statements):
    return [sql for sql in statements if f'FROM "{CreditAccount._meta.db_table}" a' in sql]


def test_a_debit_that_waited_for_the_lock_sees_the_hold_committed_meanwhile():
    tenant = _funded("10.00")
    result, statements = _race(tenant, lambda: credits_debit(tenant=tenant, amount=Decimal("5.00"), call_id="call-b"))

    assert isinstance(result, InsufficientCredits), result
    assert len(_state_reads(statements)) == 2  # the read with the lock, then the second read its check asked for
    assert Reservation.objects.get(call_id="call-a").amount == Decimal("6.00")
    assert not LedgerEntry.objects.filter(call_id="call-b").exists()
    assert ledger_problems() == []


def test_the_state_read_with_the_lock_alone_would_have_missed_the_hold():
    """The same race, the combined statement alone: its read saw no hold, and its versions show why it must read
    again (so the check is what keeps B from charging)."""
    tenant = _funded("10.00")

    def read():
        with transaction.atomic():
            found = hot._LOCK_AND_STATE.rows([hot.db_value(CreditAccount, "tenant", tenant.pk),
                                              hot.db_value(Reservation, "expires_at", timezone.now()), "x", "x"])
            return found[0]

    row, _ = _race(tenant, read)
    held, locked_version, seen_version = row[-5], row[-2], row[-1]
    assert held == Decimal("0.00")  # the snapshot of the statement's start: A's hold is not in it
    assert locked_version == seen_version + 2  # A's lock and ours: the check sees that something came between


def test_an_uncontended_request_reads_once():
    tenant = _funded("10.00")
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        credits_debit(tenant=tenant, amount=Decimal("1.00"), call_id="alone")
    assert len(_state_reads([q["sql"] for q in statements.captured_queries])) == 1
    assert ledger_problems() == []
