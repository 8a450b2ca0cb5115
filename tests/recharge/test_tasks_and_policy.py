"""The recharge tasks' wiring (payments queue, late acks, retries, beat) and the timings read from settings."""
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from billing.credits import tasks
from billing.credits.recharge.policy import recharge_policy
from config.celery import app
from config.settings import base as base_settings

RECHARGE_TASKS = [tasks.start_recharge, tasks.process_recharge, tasks.sweep_recharges, tasks.notify_expiring_funds,
                  tasks.expire_reservations, tasks.expire_due_credits]


@pytest.mark.parametrize("task", RECHARGE_TASKS, ids=lambda t: t.name)
def test_billing_tasks_run_on_the_payments_queue_acknowledged_late_and_retried(task):
    assert app.amqp.router.route({}, task.name)["queue"].name == "payments"
    assert task.acks_late and task.reject_on_worker_lost
    assert task.max_retries == 5 and task.autoretry_for


def test_beat_runs_the_sweep_every_minute_and_the_daily_upkeep():
    app.loader.import_default_modules()
    schedule = {entry["task"]: entry for entry in app.conf.beat_schedule.values()}
    assert schedule["billing.credits.tasks.sweep_recharges"]["schedule"] == 60.0
    assert schedule["billing.credits.tasks.sweep_recharges"]["options"] == {"expires": 55}
    for name in ("billing.credits.tasks.expire_due_credits", "billing.credits.tasks.notify_expiring_funds",
                 "billing.credits.tasks.expire_reservations"):
        assert name in schedule


def test_the_policy_defaults_are_the_products(settings):
    settings.CREDITS_RECHARGE_RETRY_DELAYS = base_settings.CREDITS_RECHARGE_RETRY_DELAYS  # as declared, from no environment
    policy = recharge_policy()
    assert policy.retry_delays == (timedelta(hours=1), timedelta(hours=6), timedelta(hours=24))
    assert [policy.retry_delay(n) for n in (1, 2, 3, 7)] == [timedelta(hours=h) for h in (1, 6, 24, 24)]
    assert policy.lease == timedelta(seconds=600) and policy.expiry_notice == timedelta(days=30)


@pytest.mark.parametrize(("name", "value"), [
    ("CREDITS_RECHARGE_RETRY_DELAYS", []),
    ("CREDITS_RECHARGE_RETRY_DELAYS", "3600"),
    ("CREDITS_RECHARGE_RETRY_DELAYS", [3600, -1]),
    ("CREDITS_RECHARGE_LEASE_SECONDS", 0),
    ("CREDITS_EXPIRY_NOTICE_DAYS", True),
])
def test_a_bad_timing_setting_fails_loudly_naming_it(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        recharge_policy()
