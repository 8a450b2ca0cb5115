"""The database itself refuses to change or remove append-only rows (issue 14): raw SQL, on SQLite and PostgreSQL."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from accounts.models import AuditLog
from accounts.services import audit_record
from billing.credits.models import CreditAccount, LedgerEntry
from billing.invoices.models import Invoice, InvoiceLine
from core import append_only
from core.sql import column, db_value, table
from licensing.models import SubscriptionQuantityChange
from tests.factories import TenantFactory, UserFactory


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, list(params))


@pytest.fixture
def ledger_entry(db):
    account = CreditAccount.objects.create(tenant=TenantFactory())
    return LedgerEntry.objects.create(account=account, kind=LedgerEntry.Kind.ADJUSTMENT, amount=Decimal("5.00"),
                                      balance_after=Decimal("5.00"), idempotency_key="a", actor_label="test")


@pytest.fixture
def audit_row(tenant):
    audit_record(tenant=tenant, actor=None, action="test.action", target_label="x")
    return AuditLog.objects.get(tenant=tenant, action="test.action")


@pytest.fixture
def quantity_change(tenant):
    from licensing.models import Product  # noqa: PLC0415
    from tests.licensing.factories import SubscriptionFactory  # noqa: PLC0415

    subscription = SubscriptionFactory(tenant=tenant, product=Product.objects.first())
    return SubscriptionQuantityChange.objects.filter(subscription=subscription).first() or \
        SubscriptionQuantityChange.objects.create(subscription=subscription, delta=1, quantity_after=1, reason="test",
                                                  idempotency_key="q", actor_label="test")


@pytest.fixture
def invoice(tenant):
    from tests.invoices.factories import purchase  # noqa: PLC0415

    return purchase(tenant)


def _protected(request, name):
    row = request.getfixturevalue(name)
    model = type(row)
    frozen = {"ledger_entry": "amount", "audit_row": "action", "quantity_change": "delta", "invoice": "total"}[name]
    return row, model, frozen


@pytest.mark.parametrize("name", ["ledger_entry", "audit_row", "quantity_change", "invoice"])
def test_a_raw_update_and_delete_of_a_protected_row_is_refused(request, name):
    row, model, frozen = _protected(request, name)
    pk, key = column(model, "id"), db_value(model, "id", row.pk)
    value = getattr(row, frozen)
    changed = "other" if isinstance(value, str) else value + 1
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"UPDATE {table(model)} SET {column(model, frozen)} = %s WHERE {pk} = %s", [changed, key])
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"DELETE FROM {table(model)} WHERE {pk} = %s", [key])
    row.refresh_from_db()
    assert getattr(row, frozen) == value


def test_an_invoice_line_is_frozen_and_an_invoice_only_changes_its_payment_and_pdf(invoice):
    _raw(f"UPDATE {table(Invoice)} SET {column(Invoice, 'payment_status')} = %s WHERE {column(Invoice, 'id')} = %s",
         [Invoice.PaymentStatus.PAID, db_value(Invoice, "id", invoice.pk)])
    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.PAID
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    if line is not None:
        with pytest.raises(IntegrityError, match="append-only"):
            _raw(f"UPDATE {table(InvoiceLine)} SET {column(InvoiceLine, 'amount')} = 0 "
                 f"WHERE {column(InvoiceLine, 'id')} = %s", [line.pk])


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(ledger_entry):
    _raw("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check pending from the fixture's inserts
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"TRUNCATE {table(LedgerEntry)} CASCADE")


def test_deleting_a_user_keeps_the_entries_they_wrote(ledger_entry):
    user = UserFactory(tenant=ledger_entry.account.tenant)
    entry = LedgerEntry.objects.create(account=ledger_entry.account, kind=LedgerEntry.Kind.ADJUSTMENT,
                                       amount=Decimal("1.00"), balance_after=Decimal("6.00"), idempotency_key="b",
                                       actor=user, actor_label=user.upn)
    user.delete()  # SET_NULL: the one change the triggers allow
    entry.refresh_from_db()
    assert entry.actor_id is None and entry.actor_label == user.upn


def test_deleting_a_tenant_cannot_take_its_ledger_or_audit_log_with_it(ledger_entry):
    tenant = ledger_entry.account.tenant
    with pytest.raises(ProtectedError):
        tenant.delete()
    assert LedgerEntry.objects.filter(pk=ledger_entry.pk).exists()


def test_the_triggers_can_be_lifted_only_inside_a_block(ledger_entry):
    with append_only.suspended():
        _raw(f"UPDATE {table(LedgerEntry)} SET {column(LedgerEntry, 'memo')} = 'repaired' "
             f"WHERE {column(LedgerEntry, 'id')} = %s", [ledger_entry.pk])
    with pytest.raises(IntegrityError):
        _raw(f"DELETE FROM {table(LedgerEntry)} WHERE {column(LedgerEntry, 'id')} = %s", [ledger_entry.pk])
    ledger_entry.refresh_from_db()
    assert ledger_entry.memo == "repaired"
