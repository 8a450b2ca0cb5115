"""What a log line says about the work in hand: the request (or task) id, the tenant and the call.

Set by ops.middleware for a web request and by ops.signals for a Celery task; read by ops.logs.ContextFilter.
The tenant and call are looked up from the request when a line is written, because they are known only once
the view has authenticated the caller (the bearer token names the tenant) or parsed its path.
"""
import re
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
current_request: ContextVar = ContextVar("current_request", default=None)
task_tenant_id: ContextVar = ContextVar("task_tenant_id", default=None)
task_call_id: ContextVar = ContextVar("task_call_id", default=None)

_CALL_ID_IN_BODY = re.compile(rb'"callId"\s*:\s*"([^"\\]{1,128})"')


def tenant_id_of(request):
    tenant = request.__dict__.get("tenant")
    if tenant is not None:
        return tenant.pk
    user = request.__dict__.get("user")  # set by DRF once the bearer token is checked (no lazy load here)
    wrapped = getattr(user, "_wrapped", user)
    return getattr(wrapped, "tenant_id", None)


def call_id_of(request):
    match = getattr(request, "resolver_match", None)
    if match is not None and "call_id" in match.kwargs:
        return match.kwargs["call_id"]
    body = request.__dict__.get("_body")  # already read by the view: never read the stream here
    if body and request.path.endswith("/calls/authorize"):
        found = _CALL_ID_IN_BODY.search(body)
        if found:
            return found.group(1).decode(errors="replace")
    return None


def snapshot(request=None):
    """(request id, tenant id, call id) of the work this thread or task is doing, or of `request` (django.request's
    records carry theirs: Django logs a 4xx or 5xx after the middleware has returned)."""
    request = request if request is not None else current_request.get()
    if request is not None:
        return getattr(request, "request_id", "") or request_id.get(), tenant_id_of(request), call_id_of(request)
    return request_id.get(), task_tenant_id.get(), task_call_id.get()
