"""Tamper evidence: a one-cent edit made consistently to an entry, its running balance, the account and a lot, with
the append-only triggers lifted, is reported by check_ledger naming the account and the entry (issue 14)."""
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import CreditAccount, LedgerEntry, Lot
from billing.credits.services import credits_debit, credits_reserve
from core import append_only
from core.sql import column, table
from tests.concurrency import race


def _edit(model, pk, **values):
    sets = ", ".join(f"{column(model, name)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table(model)} SET {sets} WHERE {column(model, 'id')} = %s", [*values.values(), pk])


def test_a_consistent_one_cent_edit_breaks_the_chain_and_is_named(tenant, fund, capsys):
    lot = fund(100).lot
    credits_debit(tenant=tenant, amount=Decimal("2.50"), call_id="first")
    credits_reserve(tenant=tenant, amount=Decimal("1.00"), call_id="held")
    tampered = credits_debit(tenant=tenant, amount=Decimal("1.25"), call_id="tampered")
    last = credits_debit(tenant=tenant, amount=Decimal("0.75"), call_id="last")
    account = CreditAccount.objects.get(tenant=tenant)
    assert ledger_problems(tenant=tenant) == []

    # One cent less charged, made consistent everywhere the old check looked: the entry, every running balance from
    # it on, the account's balance and the lot's remainder.
    with append_only.suspended():
        _edit(LedgerEntry, tampered.pk, amount=Decimal("-1.24"), balance_after=tampered.balance_after + Decimal("0.01"))
        _edit(LedgerEntry, last.pk, balance_after=last.balance_after + Decimal("0.01"))
        _edit(CreditAccount, account.pk, balance=account.balance + Decimal("0.01"))
        lot.refresh_from_db()
        _edit(Lot, lot.pk, remaining=lot.remaining + Decimal("0.01"))

    problems = ledger_problems(tenant=tenant)
    assert problems == [f"{tenant.name} ({tenant.initial_domain}): entry {tampered.pk} of credit account {account.pk} "
                        "breaks the hash chain: its content or the entry before it was changed after it was written."]
    with pytest.raises(CommandError, match="1 difference"):
        call_command("check_ledger")
    assert f"entry {tampered.pk} of credit account {account.pk} breaks the hash chain" in capsys.readouterr().err


def test_every_writer_seals_the_chain(tenant, fund, clock):
    fund(50)
    credits_reserve(tenant=tenant, amount=Decimal("3.00"), call_id="r")
    credits_debit(tenant=tenant, amount=Decimal("3.00"), call_id="r")
    clock.advance(days=400)
    fund(20)
    credits_debit(tenant=tenant, amount=Decimal("1.00"), call_id="after-expiry")  # forfeits the first lot first
    kinds = list(LedgerEntry.objects.filter(account__tenant=tenant).order_by("id").values_list("kind", flat=True))
    assert kinds == ["purchase", "call_charge", "purchase", "expiry", "call_charge"]
    assert all(LedgerEntry.objects.filter(account__tenant=tenant).values_list("chain_hash", flat=True))
    assert ledger_problems(tenant=tenant) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_debit_that_waited_for_the_lock_chains_onto_the_entry_committed_meanwhile():
    """The bench_load finding (two hash-chain breaks after a pooled run): the credit state was read in the same
    statement that waited for the account lock, so under READ COMMITTED it saw the chain's head as of before it
    waited and sealed its entry onto the entry before the one just committed. The state is now read after the lock.
    Deterministic: the first debit holds the lock until the second is seen waiting for it."""
    from billing.credits.services import credits_adjust
    from tests.factories import TenantFactory

    tenant = TenantFactory()
    credits_adjust(tenant=tenant, amount=Decimal("10.00"), reason="opening", idempotency_key="opening", actor=None)
    holding = threading.Event()

    def first():
        with transaction.atomic():
            credits_debit(tenant=tenant, amount=Decimal("1.00"), call_id="first")
            holding.set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not _waiting_for_a_lock():
                time.sleep(0.02)

    def second():
        assert holding.wait(10)
        credits_debit(tenant=tenant, amount=Decimal("2.00"), call_id="second")

    assert race(2, lambda i: first() if i == 0 else second()).errors == []
    entries = list(LedgerEntry.objects.filter(account__tenant=tenant).order_by("id").values_list("call_id", flat=True))
    assert entries == ["", "first", "second"]
    assert ledger_problems(tenant=tenant) == []


def _waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0
