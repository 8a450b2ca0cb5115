"""Celery's task signals: each task's log lines carry its id (as the request id) and the tenant it works for."""
from typing import Any

from celery.signals import beat_init, task_postrun, task_prerun

from . import context

_TOKENS: dict[str, Any] = {}


@task_prerun.connect
def _task_context(task_id=None, task=None, args=None, kwargs=None, **_):
    kwargs = kwargs or {}
    tenant = kwargs.get("tenant_id") or kwargs.get("tenant_pk")
    _TOKENS[task_id] = (context.request_id.set(task_id or ""), context.task_tenant_id.set(tenant),
                        context.task_call_id.set(kwargs.get("call_id")))


@task_postrun.connect
def _task_context_end(task_id=None, **_):
    tokens = _TOKENS.pop(task_id, None)
    if tokens:
        context.request_id.reset(tokens[0])
        context.task_tenant_id.reset(tokens[1])
        context.task_call_id.reset(tokens[2])


@beat_init.connect
def _first_heartbeat(sender=None, **_):
    """Beat's first heartbeat goes out as it starts, not one period later: /readyz turns ready sooner."""
    from .tasks import beat_heartbeat

    beat_heartbeat.delay()
