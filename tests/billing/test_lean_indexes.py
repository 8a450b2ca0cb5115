"""The call path's tables carry only the indexes they need (issue 14, cheaper per call).

A call's charge writes one ledger entry, spends part of a lot and moves the account's balance; its authorization is
written twice (authorize, complete). Every index of those tables costs each of those writes. These tests pin which
indexes exist, that a lot's partial spend changes no indexed column (PostgreSQL then updates it in place, a HOT
update, instead of adding an entry to each of the lot's indexes), and that `funded` follows `remaining` exactly.
"""
from decimal import Decimal

import pytest
from django.db import connection

from billing.credits.models import LedgerEntry, Lot, Reservation
from billing.credits.services import credits_debit
from billing.rating.models import CallAuthorization

pytestmark = pytest.mark.django_db


def _indexes(model):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {tuple(info["columns"]) for info in found.values() if (info["index"] or info["unique"]) and not info["primary_key"]}


def test_the_ledger_indexes_the_account_only_in_its_composite_indexes_and_references_only_where_set():
    indexes = _indexes(LedgerEntry)
    assert ("account_id",) not in indexes  # ledger_account_newest starts with it
    assert {("account_id", "id"), ("account_id", "idempotency_key"), ("account_id", "call_id")} <= indexes
    with connection.cursor() as cursor:
        partial = {name: info for name, info in
                   connection.introspection.get_constraints(cursor, LedgerEntry._meta.db_table).items()
                   if name in ("ledger_purchase", "ledger_lot", "ledger_actor")}
    assert sorted(partial) == ["ledger_actor", "ledger_lot", "ledger_purchase"]


def test_reservations_and_authorizations_keep_no_index_their_unique_keys_already_are():
    assert ("account_id",) not in _indexes(Reservation)
    assert ("account_id", "call_id") in _indexes(Reservation)
    authorization = _indexes(CallAuthorization)
    assert ("tenant_id",) not in authorization
    assert ("tenant_id", "call_id") in authorization


def test_funded_follows_the_remaining_amount(tenant, fund):
    fund("10.00")
    lot = Lot.objects.get(account__tenant=tenant)
    assert Lot.objects.filter(pk=lot.pk, funded=True).exists()
    credits_debit(tenant=tenant, amount=Decimal("9.99"), call_id="c1")
    assert Lot.objects.filter(pk=lot.pk, funded=True).exists()
    credits_debit(tenant=tenant, amount=Decimal("0.01"), call_id="c2")
    assert Lot.objects.get(pk=lot.pk).remaining == Decimal("0.00")
    assert not Lot.objects.filter(pk=lot.pk, funded=True).exists()


def test_the_funded_lots_indexes_name_funded_not_remaining():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Lot._meta.db_table)
    for name in ("lot_funded_fifo", "lot_funded_expiry"):
        assert name in found
        assert "remaining" not in found[name]["columns"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname IN ('lot_funded_fifo', 'lot_funded_expiry')")
            definitions = [row[0] for row in cursor.fetchall()]
        assert len(definitions) == 2 and all("WHERE funded" in text and "remaining" not in text for text in definitions)


def test_spending_part_of_a_lot_is_an_update_in_place_on_postgresql(tenant, fund):
    if connection.vendor != "postgresql":
        pytest.skip("HOT updates are PostgreSQL's")
    fund("100.00")
    lot = Lot.objects.get(account__tenant=tenant)

    def counts():
        with connection.cursor() as cursor:  # this transaction's own counts (the test runs in one)
            cursor.execute("SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
                           "pg_stat_get_xact_tuples_hot_updated(%s::regclass)", ["billing_lot", "billing_lot"])
            return cursor.fetchone()

    updated, hot = counts()
    for index in range(5):
        credits_debit(tenant=tenant, amount=Decimal("0.07"), call_id=f"call-{index}")
    updated_after, hot_after = counts()
    assert updated_after - updated == 5
    assert hot_after - hot == 5  # before: 0 (remaining was named by both partial indexes)
    assert Lot.objects.get(pk=lot.pk).remaining == Decimal("99.65")
