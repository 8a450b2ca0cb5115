"""PSTN minute pools: every pool of a month with its capacity, minutes used and minutes available."""
from dataclasses import dataclass
from datetime import date
from typing import Any

from accounts.models import Tenant
from billing.rating.models import Capability, MinutePool
from billing.rating.pools import entitlement, pool_capacity
from billing.rating.routing import PoolRef
from billing.rating.rules import AUDIO_CONFERENCING, POOL_CAPABILITY, pool_country
from core.validation import country_name
from licensing.models import AssignedPlan
from licensing.selectors import assigned_plan_counts

from ..periods import earliest_day

# US and Puerto Rico share the US pool (PRODUCT.md); the report names both.
SHARED_COUNTRIES = {"US": "United States and Puerto Rico"}


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


@dataclass(frozen=True)
class PoolLine:
    country: str
    country_label: str
    description: str
    capability: str
    total: int
    used: int
    held: int

    @property
    def available(self) -> int:
        return max(self.total - self.used, 0)

    @property
    def percent_used(self) -> int:
        """Whole percent of the capacity used, for the bar (a pool used beyond capacity shows 100)."""
        if not self.total:
            return 100 if self.used else 0
        return min(self.used * 100 // self.total, 100)

    @property
    def state(self) -> str:
        if self.total and self.used >= self.total or not self.total and self.used:
            return "exhausted"
        return "warning" if self.percent_used >= 80 else "ok"


def _capability(pool: MinutePool) -> str:
    """The usage report's Capability code of the plan that fills the pool (MCOPSTN_6 is reported as MCOPSTN6)."""
    return POOL_CAPABILITY.get(pool.plan, pool.plan)


def _description(pool: MinutePool) -> str:
    code = _capability(pool)
    name = Capability(code).label if code in Capability.values else pool.plan
    if pool.kind == MinutePool.Kind.INTERNATIONAL:
        return f"{name} – international minutes"
    if pool.kind == MinutePool.Kind.CONFERENCING:
        return f"{name} minutes to Zone A"
    if pool.kind == MinutePool.Kind.PER_USER:
        return f"{name} – {pool.user.display_name if pool.user else 'a removed user'}"
    return name


class _Pool:
    """A pool the licenses give that no call has used yet this month: what the report reads of a MinutePool."""

    def __init__(self, ref: PoolRef, capacity: int, user: Any = None) -> None:
        self.kind, self.plan, self.country = ref.kind, ref.plan, ref.country
        self.user, self.user_id = user, ref.user_id
        self.capacity_minutes, self.used_minutes, self.held_minutes = capacity, 0, 0


def _pools_the_licenses_give(*, tenant: Tenant) -> dict[PoolRef, _Pool]:
    """{PoolRef: _Pool} of every pool the tenant's assigned licenses give now, with the capacity the call path
    computes (billing.rating.pools.pool_capacity); two queries."""
    counts = assigned_plan_counts(tenant=tenant, plan_names=POOL_CAPABILITY)
    found: dict[PoolRef, _Pool] = {}
    for (plan, location), _users in counts.items():
        plan_entitlement = entitlement(plan)
        if plan == AUDIO_CONFERENCING:
            refs = [PoolRef(MinutePool.Kind.CONFERENCING, plan, "")]
        elif not plan_entitlement.pooled:
            continue  # each holder's own pool, below
        else:
            refs = [PoolRef(MinutePool.Kind.DOMESTIC, plan, pool_country(location))]
            if plan_entitlement.international_minutes:
                refs.append(PoolRef(MinutePool.Kind.INTERNATIONAL, plan, pool_country(location)))
        for ref in refs:
            if ref not in found:
                found[ref] = _Pool(ref, pool_capacity(tenant=tenant, ref=ref, counts=counts))
    own = {plan for plan, _ in counts if not entitlement(plan).pooled}
    if own:
        holders = (AssignedPlan.objects.filter(tenant=tenant, enabled=True, service_plan__name__in=own)
                   .select_related("user", "service_plan").order_by("user__display_name", "user_id"))
        for row in holders:
            plan = row.service_plan.name
            ref = PoolRef(MinutePool.Kind.PER_USER, plan, pool_country(row.user.usage_location), row.user_id)
            found.setdefault(ref, _Pool(ref, pool_capacity(tenant=tenant, ref=ref, user_plans={plan}), row.user))
    return found


def _line(pool: Any) -> PoolLine:
    return PoolLine(country=pool.country,
                    country_label=SHARED_COUNTRIES.get(pool.country) or country_name(pool.country) or "All countries",
                    description=_description(pool), capability=_capability(pool), total=pool.capacity_minutes,
                    used=pool.used_minutes, held=pool.held_minutes)


def minute_pools(*, tenant: Tenant, month: date, include_unused: bool = False) -> list[PoolLine]:
    """[PoolLine] of the tenant's pools of `month` (its first day), by country then capability.

    With `include_unused` (the current month) every pool the licenses give is listed, used or not; a past month
    lists the pools its calls used. One query, three with `include_unused`.
    """
    pools: list[Any] = list(MinutePool.objects.filter(tenant=tenant, month=month).select_related("user")
                 .order_by("country", "plan", "kind", "user__display_name", "id"))
    if include_unused:
        used = {PoolRef(pool.kind, pool.plan, pool.country, pool.user_id if pool.kind == MinutePool.Kind.PER_USER else None)
                for pool in pools}
        pools += [pool for ref, pool in _pools_the_licenses_give(tenant=tenant).items() if ref not in used]
        pools.sort(key=lambda pool: (pool.country, pool.plan, pool.kind, pool.user.display_name if pool.user else "",))
    return [_line(pool) for pool in pools]


def pool_months(*, tenant: Tenant, today: date) -> list[date]:
    """The months the report offers: this month and every earlier month with pools, back one year (one query)."""
    oldest = month_of(earliest_day(today))
    months = set(MinutePool.objects.filter(tenant=tenant, month__gte=oldest).order_by()
                 .values_list("month", flat=True).distinct())
    months.add(month_of(today))
    return sorted(months, reverse=True)
