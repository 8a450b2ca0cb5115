"""PSTN minute pools: every pool of a month with its capacity, minutes used and minutes available."""
from dataclasses import dataclass
from datetime import date

from accounts.models import Tenant
from billing.rating.models import Capability, MinutePool
from billing.rating.rules import POOL_CAPABILITY
from core.validation import country_name

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


def minute_pools(*, tenant: Tenant, month: date) -> list[PoolLine]:
    """[PoolLine] of the tenant's pools of `month` (its first day), by country then capability (one query)."""
    pools = (MinutePool.objects.filter(tenant=tenant, month=month).select_related("user")
             .order_by("country", "plan", "kind", "user__display_name", "id"))
    return [
        PoolLine(country=pool.country,
                 country_label=SHARED_COUNTRIES.get(pool.country) or country_name(pool.country) or "All countries",
                 description=_description(pool), capability=_capability(pool), total=pool.capacity_minutes,
                 used=pool.used_minutes, held=pool.held_minutes)
        for pool in pools
    ]


def pool_months(*, tenant: Tenant, today: date) -> list[date]:
    """The months the report offers: this month and every earlier month with pools, back one year (one query)."""
    oldest = month_of(earliest_day(today))
    months = set(MinutePool.objects.filter(tenant=tenant, month__gte=oldest).order_by()
                 .values_list("month", flat=True).distinct())
    months.add(month_of(today))
    return sorted(months, reverse=True)
