"""The recharge engine's timings, as settings with product defaults, so operators and tests can change them.

- `CREDITS_RECHARGE_RETRY_DELAYS`: seconds to wait after the 1st, 2nd, 3rd ... failure in a row before the
  next attempt (the last one repeats). Default 1 h, 6 h, 24 h. After `CREDITS_RECHARGE_FAILURES_BEFORE_PAUSE`
  failures (billing.credits.rules, default 3) auto-recharge pauses instead.
- `CREDITS_RECHARGE_LEASE_SECONDS`: how long a worker owns an attempt it is charging; after that the sweep
  assumes the worker was lost and charges again under the same idempotency key. Longer than the task's hard
  time limit, so a live task never loses its lease.
- `CREDITS_RECHARGE_UNCLAIMED_SECONDS`: an attempt stored but never taken by a worker this long ago lost its
  task (the worker died between storing and charging); the sweep hands it to a worker.
- `CREDITS_EXPIRY_NOTICE_DAYS`: funds expiring within this many days get a "funds expiring" email, once a lot.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class RechargePolicy:
    retry_delays: tuple[timedelta, ...]
    lease: timedelta
    unclaimed_after: timedelta
    expiry_notice: timedelta

    def retry_delay(self, failures: int) -> timedelta:
        """The wait after `failures` failures in a row (1 = the first failure)."""
        return self.retry_delays[min(failures, len(self.retry_delays)) - 1]


def _positive(name: str, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ImproperlyConfigured(f"{name}={value!r} must be a positive number.")
    return value


def _setting(name):
    return _positive(name, getattr(settings, name))


def recharge_policy() -> RechargePolicy:
    """Read at call time so tests and operators can change the settings."""
    delays = settings.CREDITS_RECHARGE_RETRY_DELAYS
    if not isinstance(delays, list | tuple) or not delays:
        raise ImproperlyConfigured(f"CREDITS_RECHARGE_RETRY_DELAYS={delays!r} must be a list of seconds, e.g. [3600, 21600].")
    return RechargePolicy(
        retry_delays=tuple(timedelta(seconds=_positive("CREDITS_RECHARGE_RETRY_DELAYS", d)) for d in delays),
        lease=timedelta(seconds=_setting("CREDITS_RECHARGE_LEASE_SECONDS")),
        unclaimed_after=timedelta(seconds=_setting("CREDITS_RECHARGE_UNCLAIMED_SECONDS")),
        expiry_notice=timedelta(days=_setting("CREDITS_EXPIRY_NOTICE_DAYS")),
    )
