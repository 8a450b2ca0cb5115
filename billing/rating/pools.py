"""Minute pools: which month a call counts in, how many minutes the licenses give a pool, and the 80%/100% emails.

Capacity follows the licenses assigned at the time of the call: every call that uses a pool recomputes it
(one query) under the pool's lock. Entitlements (minutes per license) come from the licensing catalogue and
are kept for a minute per process, as an operator's catalogue edit is rare and the hot path reads them often.
"""
import datetime
import threading
import time
from collections.abc import Collection, Iterable
from typing import Any, cast

from django.utils import timezone
from django_countries import countries

from accounts.models import Tenant, User
from billing.notifications.services import notification_send
from core import sql
from licensing.models import AssignedPlan, ServicePlan
from licensing.selectors import Entitlement, entitlement_for

from .models import Capability, MinutePool
from .routing import PoolRef
from .rules import POOL_CAPABILITY, pool_country

ENTITLEMENT_TTL_SECONDS = 60
_entitlements: dict[str, tuple[float, Entitlement]] = {}
_entitlements_lock = threading.Lock()


def entitlement(plan_name: str) -> Entitlement:
    """The catalogue's Entitlement for `plan_name`, cached for ENTITLEMENT_TTL_SECONDS per process."""
    now = time.monotonic()
    found = _entitlements.get(plan_name)
    if found is None or now - found[0] > ENTITLEMENT_TTL_SECONDS:
        with _entitlements_lock:
            found = (now, entitlement_for(plan_name))
            _entitlements[plan_name] = found
    return found[1]


def forget_entitlements() -> None:
    _entitlements.clear()


def not_pooled_plans(plan_names: Iterable[str]) -> frozenset[str]:
    """Those of `plan_names` whose minutes are each user's own (MCOPSTN8)."""
    return frozenset(name for name in plan_names if not entitlement(name).pooled)


# licensing.selectors.assigned_plan_counts for one plan, in plain SQL: every pooled call recounts its pool's licenses.
_PLAN_HOLDERS = sql.Statement(lambda: (
    f"SELECT u.{sql.column(User, 'usage_location')}, COUNT(DISTINCT a.{sql.column(AssignedPlan, 'user')}) "
    f"FROM {sql.table(AssignedPlan)} a "
    f"JOIN {sql.table(ServicePlan)} p ON p.{sql.column(ServicePlan, 'id')} = a.{sql.column(AssignedPlan, 'service_plan')} "
    f"JOIN {sql.table(User)} u ON u.{sql.column(User, 'id')} = a.{sql.column(AssignedPlan, 'user')} "
    f"WHERE a.{sql.column(AssignedPlan, 'tenant')} = %s AND a.{sql.column(AssignedPlan, 'enabled')} = %s "
    f"AND p.{sql.column(ServicePlan, 'name')} = %s GROUP BY u.{sql.column(User, 'usage_location')}"))


_LICENSES_VERSION = sql.Statement(lambda: (
    f"SELECT {sql.column(Tenant, 'licenses_version')} FROM {sql.table(Tenant)} WHERE {sql.column(Tenant, 'id')} = %s"))
HOLDER_COUNTS_KEPT = 10_000
# (tenant id, plan name, licenses version) -> {(plan name, usage location): users}
_holder_counts: dict[tuple[Any, str, Any], dict[tuple[str, str], int]] = {}


def plan_holder_counts(*, tenant: Tenant, plan_name: str, version: int | None = None) -> dict[tuple[str, str], int]:
    """{(plan_name, usage location): users holding the plan enabled}, as assigned_plan_counts() gives it.

    Counting is a scan of the tenant's holders (about 9 ms for 10,000 on PostgreSQL), and every pooled call
    needs it: the answer is kept per process under the tenant's license version, which every change of
    assignments, plan toggles and usage locations moves (accounts.services.tenant_licenses_changed). Reading
    the version is one primary-key lookup, so a call still sees the licenses as they are at its time.
    """
    tenant_id = sql.db_value(Tenant, "id", tenant.pk)
    if version is None:  # else the caller read it in this request (the call API, with its first statement)
        version = _LICENSES_VERSION.rows([tenant_id])[0][0]
    key = (tenant.pk, plan_name, version)
    counts = _holder_counts.get(key)
    if counts is None:
        found = _PLAN_HOLDERS.rows([tenant_id, sql.db_value(AssignedPlan, "enabled", True), plan_name])
        counts = {(plan_name, location): users for location, users in found}
        if len(_holder_counts) >= HOLDER_COUNTS_KEPT:
            _holder_counts.clear()
        _holder_counts[key] = counts
    return counts


def pool_month(at: datetime.datetime) -> datetime.date:
    """First day of the UTC calendar month a call starting at `at` counts in."""
    day = at.astimezone(datetime.UTC).date()
    return day.replace(day=1)


def pool_capacity(*, tenant: Tenant | None, ref: PoolRef, user_plans: Collection[str] = frozenset(),
                  counts: dict[tuple[str, str], int] | None = None, licenses_version: int | None = None) -> int:
    """Minutes the tenant's licenses give the pool `ref` (a routing.PoolRef) now.

    A per-user pool holds the user's own minutes while the user (whose plans are `user_plans`) keeps the plan.
    `counts` is assigned_plan_counts() for the pool's plan, when the caller read it already (one query);
    `licenses_version` the tenant's, when the caller read it already in this request.
    """
    plan = entitlement(ref.plan)
    if ref.kind == MinutePool.Kind.PER_USER:
        return plan.minutes_for(ref.country) if ref.plan in user_plans else 0
    if counts is None:
        assert tenant is not None, "the licenses counted are a tenant's (a caller without one passes counts)"
        counts = plan_holder_counts(tenant=tenant, plan_name=ref.plan, version=licenses_version)
    counts = {key: n for key, n in counts.items() if key[0] == ref.plan}
    if ref.kind == MinutePool.Kind.CONFERENCING:
        return sum(counts.values()) * plan.dial_out_minutes
    users_here = {location: n for (_, location), n in counts.items() if pool_country(location) == ref.country}
    if ref.kind == MinutePool.Kind.INTERNATIONAL:
        return sum(users_here.values()) * plan.international_minutes
    return sum(n * plan.minutes_for(location) for location, n in users_here.items())


def pool_name(pool: MinutePool) -> str:
    """How emails and reports name a pool: "Domestic Calling Plan, United States"."""
    capability = Capability(POOL_CAPABILITY[pool.plan]).label if pool.plan in POOL_CAPABILITY else pool.plan
    if pool.kind == MinutePool.Kind.CONFERENCING:
        return f"{capability} (Zone A)"
    kind = " international minutes" if pool.kind == MinutePool.Kind.INTERNATIONAL else ""
    where = countries.name(pool.country) if pool.country else ""
    if pool.country == "US":
        where = "United States and Puerto Rico"
    owner = f", {cast(User, pool.user).display_name}" if pool.user_id else ""
    return f"{capability}{kind}, {where}{owner}" if where else f"{capability}{kind}{owner}"


def pool_notify_thresholds(*, tenant: Tenant, pool: Any, now: datetime.datetime | None = None) -> None:
    """Emails the admins once per pool and month when its use reaches 80% and 100% of its capacity.

    `pool` is a MinutePool (Any: the call path hands over one it read with sql.fetch_one and knows exists).

    Runs inside the caller's transaction with the pool locked; notification_send delivers after commit.
    """
    if pool.capacity_minutes <= 0:
        return
    now = now or timezone.now()
    changed = []
    for percent, event, field in ((80, "pool_80", "notified_80_at"), (100, "pool_100", "notified_100_at")):
        if getattr(pool, field) is None and pool.used_minutes * 100 >= pool.capacity_minutes * percent:
            notification_send(tenant=tenant, event=event, period_key=f"{pool.pk}:{pool.month:%Y-%m}",
                              context={"pool_name": pool_name(pool), "used": pool.used_minutes,
                                       "total": pool.capacity_minutes, "month": f"{pool.month:%B %Y}"})
            setattr(pool, field, now)
            changed.append(field)
    if changed:
        pool.save(update_fields=changed)
