"""Every request gets an id (the caller's X-Request-ID when it sends a sane one), logged with it and returned.

`RequestContextMiddleware` is first in the site's and the call API's middleware (config/token_api.py): it puts
the request where the log filter finds it, writes one access line per request (method, path, status, duration,
with tenant and call id) and, for the call API, feeds the authorize latency histogram and decisions by reason.
"""
import logging
import re
import time
import uuid

from . import context, metrics

log = logging.getLogger("ops.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
AUTHORIZE_PATH = "/api/v1/calls/authorize"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid
        token_id, token_request = context.request_id.set(rid), context.current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            response["X-Request-ID"] = rid
            if request.path == AUTHORIZE_PATH and request.method == "POST":
                metrics.authorize_observed(elapsed, response)
            if not request.path.startswith(("/healthz", "/readyz", "/metrics", "/static/")):
                log.info("%s %s %s", request.method, request.path, response.status_code,
                         extra={"method": request.method, "path": request.path, "status": response.status_code,
                                "duration_ms": round(elapsed * 1000, 2)})
            return response
        finally:
            context.request_id.reset(token_id)
            context.current_request.reset(token_request)
