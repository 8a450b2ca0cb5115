"""The replica router: only reports' reads of call records inside replica_reads() may leave the primary."""
from billing.credits.models import CreditAccount, LedgerEntry, Lot
from billing.invoices.models import Invoice
from billing.rating.models import CallRecord
from config.db_router import READ_MODELS, ReplicaRouter, replica_reads


def test_money_never_reads_from_the_replica():
    assert all(app not in ("billing", "invoices") for app, _ in READ_MODELS)
    with replica_reads():
        for model in (CreditAccount, LedgerEntry, Lot, Invoice):
            assert ReplicaRouter().db_for_read(model) is None  # the primary


def test_without_a_replica_everything_reads_the_primary(settings):
    assert "replica" not in settings.DATABASES
    with replica_reads():
        assert ReplicaRouter().db_for_read(CallRecord) is None
    assert ReplicaRouter().db_for_write(CallRecord) is None
    assert ReplicaRouter().allow_migrate("replica", "rating") is False
