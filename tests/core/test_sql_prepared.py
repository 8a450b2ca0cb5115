"""core/sql.py's cursor(): on PostgreSQL the call path's statements are prepared (server-side binding, prepared by
psycopg from their second run on a connection: prepare_threshold 1); their text still reaches Django's query log;
the state read's generic plan can use the partial indexes its literals name; a rollback (psycopg deallocates every
prepared statement) breaks nothing; and with prepared statements turned off the ordinary client-binding cursor is used.

The statements are recognised by fragments (the account locked by its tenant, the state read's held status and
lots), not by ledger_hot's private names, so these tests hold whether the lock and the read are one statement or two.
"""
import re
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.credits.exceptions import InsufficientCredits
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import CreditAccount, LedgerEntry, Reservation
from billing.credits.selectors import credits_balance
from billing.credits.services import credits_add_funds, credits_debit, credits_reserve, payment_method_add_card
from core import sql
from tests.factories import TenantFactory

VISA = "4242 4242 4242 4242"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
INDEXES = ("ledger_unique_call_charge", "reservation_held")


def D(value):
    return Decimal(value)


def is_lock(text):
    """The credit account locked by its tenant: SELECT ... FOR NO KEY UPDATE or an UPDATE of the account."""
    by_tenant = re.search(rf"WHERE {re.escape(sql.column(CreditAccount, 'tenant'))} = (\$\d+|%s|'[^']*')", text)
    account = sql.table(CreditAccount)
    return bool(by_tenant) and (f"UPDATE {account}" in text or (f"FROM {account}" in text and "FOR NO KEY UPDATE" in text))


def is_state_read(text):
    """The credit state read: the held total (status written as a literal), the lots, this call's charge."""
    return (f"= {sql.literal(Reservation.Status.HELD)}" in text and "json" in text
            and f"{sql.table(LedgerEntry)} e ON" in text)


def prepared():
    """{statement text: (name, parameter types)} of the statements prepared on this connection (read with Django's
    ordinary cursor, which prepares nothing)."""
    with connection.cursor() as found:
        found.execute("SELECT statement, name, parameter_types::text[] FROM pg_prepared_statements")
        return {text: (name, types) for text, name, types in found.fetchall()}


def locks(statements):
    return [text for text in statements if is_lock(text)]


def state_reads(statements):
    return [text for text in statements if is_state_read(text)]


def fund(tenant, amount):
    card = payment_method_add_card(tenant=tenant, number=VISA, exp_month=12, exp_year=timezone.localdate().year + 3,
                                   holder_name="Prepared Test", actor=None)
    credits_add_funds(tenant=tenant, amount=D(amount), payment_method=card, idempotency_key="opening", actor=None)
    return tenant


@pytest.fixture
def fresh_connection(transactional_db):
    """A new PostgreSQL session: nothing prepared on it yet, whatever earlier tests prepared on theirs."""
    connection.close()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        pytest.skip("prepared statements are turned off (DB_PREPARED_STATEMENTS=false)")
    assert prepared() == {}
    return connection


@pytest.mark.postgres
def test_a_debit_prepares_the_account_lock_and_the_state_read_on_its_connection(fresh_connection):
    tenant = fund(TenantFactory(), "100.00")
    credits_debit(tenant=tenant, amount=D("1.25"), call_id="prep-0")
    assert state_reads(prepared()) == []  # run once: not worth a round trip of its own yet
    credits_debit(tenant=tenant, amount=D("1.25"), call_id="prep-1")
    statements = prepared()
    assert locks(statements), list(statements)
    assert state_reads(statements), list(statements)
    # A third debit reuses them: the same statements under the same names, nothing more for them.
    before = {text: statements[text][0] for text in locks(statements) + state_reads(statements)}
    credits_debit(tenant=tenant, amount=D("1.25"), call_id="prep-2")
    again = prepared()
    assert {text: again[text][0] for text in before} == before
    assert set(locks(again) + state_reads(again)) == set(before)
    assert credits_balance(tenant=tenant).balance == D("96.25")
    assert ledger_problems() == []


def _dummy(kind, *, tenant, account_id, call_id, now):
    """A value of the parameter type `kind` for EXPLAIN EXECUTE (a generic plan does not look at it)."""
    values = {"uuid": str(tenant.pk), "timestamp with time zone": now, "character varying": call_id, "text": call_id,
              "bigint": account_id, "integer": account_id}
    assert kind in values, f"no test value for a parameter of type {kind}"
    return values[kind]


def _generic_plan(cursor, name, values):
    cursor.execute(f"EXPLAIN EXECUTE {name}({', '.join(['%s'] * len(values))})", values)
    return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_the_generic_plan_of_the_state_read_uses_the_partial_indexes(fresh_connection):
    tenant = fund(TenantFactory(), "500.00")
    for index in range(8):
        credits_debit(tenant=tenant, amount=D("0.50"), call_id=f"done-{index}")
    for index in range(2):
        credits_reserve(tenant=tenant, amount=D("2.00"), call_id=f"live-{index}",
                        expires_at=timezone.now() + timedelta(hours=1))
    statements = prepared()
    reads = state_reads(statements)
    assert reads, list(statements)
    account_id = CreditAccount.objects.get(tenant=tenant).pk
    held, kinds = sql.literal(Reservation.Status.HELD), [sql.literal(kind) for kind in LedgerEntry.CHARGE_KINDS]
    for text in reads:  # psycopg's own prepared statements of the read, not copies
        name, types = statements[text]
        values = [_dummy(kind, tenant=tenant, account_id=account_id, call_id="done-3", now=timezone.now())
                  for kind in types]
        # Control: the same statement with the held status and the charge kinds as parameters ($n+1, $n+2, ...).
        assert text.count(f"= {held}") == 1 and text.count(f"({', '.join(kinds)})") == 1, text
        extra = [f"${len(types) + index}" for index in range(1, len(kinds) + 2)]
        with_params = (text.replace(f"= {held}", f"= {extra[0]}")
                       .replace(f"({', '.join(kinds)})", f"({', '.join(extra[1:])})"))
        with transaction.atomic(), connection.cursor() as found:
            for model in (LedgerEntry, Reservation, CreditAccount):
                found.execute(f"ANALYZE {sql.table(model)}")
            found.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            # With a handful of rows a sequential scan is cheapest whatever the SQL says; turned off, the planner
            # must use an index, and it can use a partial one only if the generic plan proves the index's condition.
            found.execute("SET LOCAL enable_seqscan = off")
            plan = _generic_plan(found, name, values)
            found.execute(f"PREPARE helper_state_params({', '.join([*types, *['text'] * len(extra)])}) "
                          f"AS {with_params}")
            try:
                control = _generic_plan(found, "helper_state_params",
                                        [*values, Reservation.Status.HELD, *LedgerEntry.CHARGE_KINDS])
            finally:
                found.execute("DEALLOCATE helper_state_params")
        for index in INDEXES:
            assert index in plan, plan
        # The plan really is the generic one: it names parameters, not the values given.
        assert "$" in plan and "done-3" not in plan, plan
        # Without the literals neither partial index can be used: the test would notice parameters creeping back.
        assert not any(index in control for index in INDEXES), control


def test_the_query_log_records_the_text_of_each_statement(db):
    with CaptureQueriesContext(connection) as captured:
        assert sql.rows("SELECT %s", [1]) == [(1,)]
    assert len(captured.captured_queries) == 1
    logged = captured.captured_queries[0]["sql"]
    assert logged is not None and logged.startswith("SELECT "), logged
    if connection.vendor == "postgresql":
        assert logged == "SELECT %s"


def test_a_failing_statement_is_logged_with_its_text(db):
    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(DatabaseError), transaction.atomic():
            sql.rows("SELECT x FROM helper_no_such_table WHERE x = %s", [0])
    logged = [query["sql"] for query in captured.captured_queries]
    assert any(text is not None and text.startswith("SELECT x FROM helper_no_such_table") for text in logged), logged


def test_the_query_log_records_the_statements_of_a_debit(tenant):
    fund(tenant, "10.00")
    with CaptureQueriesContext(connection) as captured:
        credits_debit(tenant=tenant, amount=D("1.00"), call_id="logged-1")
    logged = [query["sql"] for query in captured.captured_queries]
    assert None not in logged, logged
    assert any(is_lock(text) for text in logged), logged
    assert any(is_state_read(text) for text in logged), logged


@pytest.mark.postgres
def test_a_rollback_deallocates_the_statements_and_the_next_debit_prepares_them_again(fresh_connection):
    tenant = fund(TenantFactory(), "100.00")
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="first")
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="before")
    assert locks(prepared()) and state_reads(prepared())
    with pytest.raises(RuntimeError, match="undo"), transaction.atomic():
        credits_debit(tenant=tenant, amount=D("3.00"), call_id="undone")
        raise RuntimeError("undo")
    # The ROLLBACK made psycopg deallocate everything it had prepared (DEALLOCATE ALL), so this is a real test.
    assert prepared() == {}
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="after-1")
    entry = credits_debit(tenant=tenant, amount=D("3.00"), call_id="after")
    assert entry.balance_after == D("94.00")
    assert locks(prepared()) and state_reads(prepared())
    assert not LedgerEntry.objects.filter(call_id="undone").exists()
    assert credits_balance(tenant=tenant).balance == D("94.00")
    assert ledger_problems() == []


@pytest.mark.postgres
def test_a_savepoint_rolled_back_by_a_refused_debit_does_not_break_the_next_one(tenant):
    fund(tenant, "10.00")
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="first")
    with pytest.raises(InsufficientCredits):
        credits_debit(tenant=tenant, amount=D("50.00"), call_id="too-much")  # ROLLBACK TO SAVEPOINT
    credits_debit(tenant=tenant, amount=D("2.00"), call_id="second")
    assert credits_balance(tenant=tenant).balance == D("7.00")
    assert ledger_problems() == []


@pytest.mark.postgres
def test_with_prepared_statements_off_the_cursor_binds_on_the_client_and_prepares_nothing(fresh_connection):
    tenant = fund(TenantFactory(), "100.00")
    live = connection.connection
    kept = live.prepare_threshold
    live.prepare_threshold = None
    try:
        before = prepared()  # what funding prepared
        with sql.cursor() as found:
            assert isinstance(found.cursor, psycopg.ClientCursor), type(found.cursor)
            assert not isinstance(found.cursor, sql._prepared_cursor_class())
            found.execute("SELECT %s + 7", [35])
            assert found.fetchone() == (42,)
        credits_debit(tenant=tenant, amount=D("1.00"), call_id="unprepared-1")
        credits_debit(tenant=tenant, amount=D("1.00"), call_id="unprepared-2")
        after = prepared()
        assert after == before, set(after) - set(before)
        assert not state_reads(after), list(after)
    finally:
        live.prepare_threshold = kept
    assert credits_balance(tenant=tenant).balance == D("98.00")
    assert ledger_problems() == []
    # Turned back on, the same connection prepares again.
    with sql.cursor() as found:
        assert isinstance(found.cursor, sql._prepared_cursor_class())
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="prepared-again")
    credits_debit(tenant=tenant, amount=D("1.00"), call_id="prepared-again-2")
    assert locks(prepared())
