"""Charging once whatever happens to the task: run twice, a worker lost mid-charge, a fault, the broker down."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerUnavailable

from billing.credits import tasks
from billing.credits.gateway.sandbox import SandboxGateway
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import GatewayCharge, LedgerEntry, RechargeAttempt
from billing.credits.recharge import engine
from billing.credits.services import credits_debit, recharge_process, recharge_start, recharge_sweep
from billing.notifications.models import EmailLog

Status = RechargeAttempt.Status


def one_recharge_only(tenant):
    assert GatewayCharge.objects.filter(idempotency_key__contains="auto-recharge").count() == 1
    assert LedgerEntry.objects.filter(kind="recharge").count() == 1
    assert RechargeAttempt.objects.get().status == Status.SUCCEEDED
    assert EmailLog.objects.filter(event="recharge_succeeded").count() == 2
    assert ledger_problems() == []


def test_processing_an_attempt_twice_charges_once(tenant, funded, debit, run_on_commit, admins):
    funded(300)
    debit("150")
    attempt = RechargeAttempt.objects.get()
    again = run_on_commit(recharge_process, attempt_id=attempt.pk)
    assert again.status == Status.SUCCEEDED and again.claims == 1
    one_recharge_only(tenant)


def test_a_worker_lost_after_the_charge_is_resumed_by_the_sweep_and_credits_once(tenant, funded, run_on_commit, clock,
                                                                                  monkeypatch, admins, settings):
    settings.CREDITS_RECHARGE_LEASE_SECONDS = 600
    funded(300)
    credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")
    attempt = recharge_start(tenant=tenant)

    def worker_killed(*args, **kwargs):
        raise SystemExit("kill -9 between the gateway's answer and the ledger")  # not an Exception: no cleanup runs

    with monkeypatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr(engine, "_succeed", worker_killed)
        recharge_process(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == Status.PENDING and attempt.claimed_at is not None
    assert GatewayCharge.objects.filter(idempotency_key__contains="auto-recharge", status="succeeded").count() == 1
    assert not LedgerEntry.objects.filter(kind="recharge").exists()

    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 0}  # its lease still runs
    clock.advance(seconds=601)
    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 1}
    attempt.refresh_from_db()
    assert attempt.claims == 2
    one_recharge_only(tenant)


def test_an_attempt_whose_task_died_before_claiming_it_is_handed_to_a_worker(tenant, funded, run_on_commit, clock, admins):
    funded(300)
    credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")
    recharge_start(tenant=tenant)
    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 0}
    clock.advance(seconds=121)
    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 1}
    one_recharge_only(tenant)


def test_a_database_fault_during_the_charge_hands_the_lease_back_for_the_tasks_retry(tenant, funded, monkeypatch,
                                                                                    run_on_commit, admins):
    funded(300)
    credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")
    attempt = recharge_start(tenant=tenant)
    real_charge = SandboxGateway.charge

    def connection_lost(self, **kwargs):
        monkeypatch.setattr(SandboxGateway, "charge", real_charge)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SandboxGateway, "charge", connection_lost)
    with pytest.raises(OperationalError):
        recharge_process(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == Status.PENDING and attempt.claimed_at is None and attempt.charge_requested_at is not None
    run_on_commit(recharge_process, attempt_id=attempt.pk)  # the task's retry
    one_recharge_only(tenant)


def test_the_recharge_task_retries_transient_faults(tenant, funded, monkeypatch, run_on_commit, admins):
    funded(300)
    credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")
    faults = [OperationalError("could not connect to server")]
    real_run = engine.recharge_run

    def flaky(**kwargs):
        if faults:
            raise faults.pop()
        return real_run(**kwargs)

    monkeypatch.setattr(tasks, "recharge_run", flaky)
    run_on_commit(tasks.start_recharge.apply, args=[str(tenant.pk)], throw=False)  # eager: the retry runs inline
    assert not faults
    one_recharge_only(tenant)


def test_with_the_broker_down_the_debit_commits_and_the_sweep_recharges_once(tenant, funded, monkeypatch, run_on_commit,
                                                                             caplog, admins):
    funded(300)

    def broker_down(*args, **kwargs):
        raise BrokerUnavailable("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.start_recharge, "delay", broker_down)
        entry = run_on_commit(credits_debit, tenant=tenant, amount=Decimal("150"), call_id="crossing")
    assert entry.pk and not RechargeAttempt.objects.exists()
    assert "the sweep will start it" in caplog.text
    assert run_on_commit(recharge_sweep) == {"started": 1, "resumed": 0}
    assert run_on_commit(recharge_sweep) == {"started": 0, "resumed": 0}
    one_recharge_only(tenant)


def test_tasks_take_ids_and_do_nothing_for_unknown_ones(db):
    assert tasks.start_recharge.apply(args=["00000000-0000-0000-0000-000000000000"]).result is None
    with pytest.raises(RechargeAttempt.DoesNotExist):
        tasks.process_recharge.apply(args=[987654], throw=True)


def test_a_stale_lease_is_claimed_once_even_by_two_sweeps(tenant, funded, clock, run_on_commit, admins):
    funded(300)
    credits_debit(tenant=tenant, amount=Decimal("150"), call_id="crossing")
    attempt = recharge_start(tenant=tenant)
    RechargeAttempt.objects.filter(pk=attempt.pk).update(claimed_at=clock.now() - timedelta(hours=1), claims=1,
                                                         charge_requested_at=clock.now() - timedelta(hours=1))
    run_on_commit(recharge_sweep)
    run_on_commit(recharge_sweep)
    attempt.refresh_from_db()
    assert attempt.claims == 2
    one_recharge_only(tenant)
