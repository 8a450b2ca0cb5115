"""One locked read of the credit account per request (issue 14): authorize and complete of a call paid by credits
take the account's lock once and read its state once (the lots come with it), and hand that state to billing.
On PostgreSQL the lock and the read are one statement (billing/credits/services/ledger_hot.py locked_state)."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.credits.models import CreditAccount, LedgerEntry, Lot
from core.sql import column, table
from tests.rating.factories import UK_MOBILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller(funded_caller):
    return funded_caller


def _top_level(sql):
    """The statement without its parenthesised parts (subqueries, function arguments)."""
    while True:
        flat = re.sub(r"\([^()]*\)", "", sql)
        if flat == sql:
            return sql
        sql = flat


def _reads(queries, model):
    """SELECTs that read `model`'s table at the top level (not inside another statement's subquery).

    One query string may hold two statements (PostgreSQL's lock and state read go in one round trip)."""
    name = re.escape(table(model))
    return [sql for q in queries for sql in q["sql"].split(";")
            if re.match(rf"\s*SELECT .*\bFROM {name}(\s|$)", _top_level(sql), re.S)]


def test_authorize_and_complete_lock_and_read_the_credit_account_once(api_client_for, tenant, caller, now):
    api = api_client_for(tenant)
    with CaptureQueriesContext(connection) as authorize:
        answer = api.post("/api/v1/calls/authorize", {"callId": "c-1", "callType": "user_out",
                          "userPrincipalName": "ada@contoso.test", "calleeNumber": UK_MOBILE,
                          "startDateTime": now.isoformat().replace("+00:00", "Z")}, format="json")
    assert answer.status_code == 200 and answer.json()["decision"] == "allowed"
    with CaptureQueriesContext(connection) as complete:
        assert api.post("/api/v1/calls/c-1/complete", {"durationSeconds": 61}, format="json").status_code == 200

    version = column(CreditAccount, "lock_version")
    for request in (authorize, complete):
        locks = [q["sql"] for q in request.captured_queries if f"SET {version} = {version} + 1" in q["sql"]]
        state_reads = [q["sql"] for q in request.captured_queries if f"FROM {table(CreditAccount)} a" in q["sql"]]
        assert len(locks) == 1, locks
        assert len(state_reads) == 1, state_reads
        # PostgreSQL: the lock (an UPDATE raising lock_version) inside the read; SQLite: the lock, then the read
        assert (locks == state_reads) is (connection.vendor == "postgresql")
        assert _reads(request.captured_queries, CreditAccount) == ([] if connection.vendor == "postgresql"
                                                                    else state_reads)
        assert _reads(request.captured_queries, Lot) == []  # the lots came with the state
        assert _reads(request.captured_queries, LedgerEntry) == []  # so did the call's charge and the chain head
    assert LedgerEntry.objects.get(call_id="c-1").amount < 0
