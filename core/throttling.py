"""Graph-style request limits per tenant: past a limit a request gets 429 Too Many Requests with Retry-After.

A limit is a number of units per window of seconds (`settings.GRAPH_THROTTLE_LIMITS`, e.g. (1000, 60)). Each
request adds its cost to a counter of its tenant and window in the cache: `add` creates the counter, `incr` adds
to it, and on Redis (production) both are single atomic commands, so every worker of every server counts
against one number. The embedded default cache (local memory) counts per process, which is exact for the one
process `make run` serves from. A request over the limit still counts, as Graph keeps counting while it throttles.
"""
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

CACHE_ALIAS = "default"


@dataclass(frozen=True)
class Limit:
    name: str
    units: int
    seconds: int

    @classmethod
    def named(cls, name):
        found = settings.GRAPH_THROTTLE_LIMITS.get(name)
        if found is None:
            raise ImproperlyConfigured(f"GRAPH_THROTTLE_LIMITS has no limit named {name!r}.")
        units, seconds = found
        return cls(name, units, seconds)


def throttle_charge(*, limit, key, cost=1, now=None):
    """Adds `cost` to `key`'s count in the current window of `limit`; returns None when within the limit, else the
    whole seconds until the window ends (the Retry-After)."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    counter = f"graph-throttle:{limit.name}:{key}:{window}"
    cache = caches[CACHE_ALIAS]
    # The counter outlives its window, so it never expires between add and incr; the next window has its own key.
    cache.add(counter, 0, timeout=limit.seconds * 2)
    used = cache.incr(counter, cost)
    if used <= limit.units:
        return None
    return max(1, math.ceil((window + 1) * limit.seconds - now))


class TooManyRequests(exceptions.APIException):
    """Graph's 429: the error body says when to retry; DRF puts `wait` in the Retry-After header."""

    status_code = 429
    default_code = "TooManyRequests"

    def __init__(self, wait):
        super().__init__(detail=f"Too many requests. Retry after {wait} seconds.")
        self.wait = wait


class TenantThrottle(BaseThrottle):
    """DRF throttle charging the caller's tenant against one limit of GRAPH_THROTTLE_LIMITS.

    Views name their limits with `TenantThrottle.of(name, cost=…, methods=…)`. Requests without a tenant are not
    counted: DRF checks authentication and permissions first, so those were refused already."""

    limit_name = ""
    methods = None

    @classmethod
    def of(cls, name, *, cost=None, methods=None):
        """A throttle class for the limit `name`; `cost(request, view)` gives a request's units (default 1); with
        `methods` only requests of those HTTP methods count."""
        return type(f"TenantThrottle_{name}", (cls,), {"limit_name": name, "methods": methods,
                                                       "cost": staticmethod(cost or _one)})

    def allow_request(self, request, view):
        tenant_id = getattr(request.user, "tenant_id", None)
        if tenant_id is None or (self.methods and request.method not in self.methods):
            return True
        wait = throttle_charge(limit=Limit.named(self.limit_name), key=tenant_id, cost=self.cost(request, view))  # type: ignore[attr-defined]
        if wait is not None:
            raise TooManyRequests(wait)
        return True


def _one(request, view):
    return 1
