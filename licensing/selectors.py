"""Reads shared by licensing's pages, its API and other apps (rating builds minute pools on these)."""
from dataclasses import dataclass, field
from types import MappingProxyType

from django.db.models import Count

from .models import AssignedPlan, LicenseAssignment, ServicePlan

COMMUNICATIONS_CREDITS = "MCOPSTNC"


@dataclass(frozen=True)
class Entitlement:
    """What one service plan gives each user who holds it, per calendar month (PRODUCT.md, "Calling Plans")."""

    plan_name: str
    default_minutes: int
    minutes_by_country: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    international_minutes: int = 0
    dial_out_minutes: int = 0
    pooled: bool = True
    is_prerequisite: bool = False
    enables_communications_credits: bool = False
    requires_any_of: frozenset = frozenset()

    def minutes_for(self, country):
        """Outbound domestic minutes per user per month for a user whose usage location is `country`."""
        return self.minutes_by_country.get((country or "").upper(), self.default_minutes)


def entitlement_for(plan_name):
    """The entitlement of the service plan named `plan_name` (e.g. "MCOPSTN1"), read from the catalogue.

    `is_prerequisite` is true when another plan requires this one (Teams Phone); `enables_communications_credits`
    when holding it allows the Communications Credits licence (Calling Plans, Audio Conferencing).
    Raises ServicePlan.DoesNotExist for a name the catalogue does not hold.
    """
    try:
        plan = (ServicePlan.objects.prefetch_related("country_minutes", "required_by", "requires_any_of")
                .get(name=plan_name))
    except ServicePlan.DoesNotExist:
        raise ServicePlan.DoesNotExist(f"The catalogue has no service plan named {plan_name!r}.") from None
    dependants = {p.name for p in plan.required_by.all()}
    return Entitlement(
        plan_name=plan.name,
        default_minutes=plan.domestic_minutes,
        minutes_by_country=MappingProxyType({row.country: row.minutes for row in plan.country_minutes.all()}),
        international_minutes=plan.international_minutes,
        dial_out_minutes=plan.dial_out_minutes,
        pooled=plan.pooled,
        is_prerequisite=bool(dependants),
        enables_communications_credits=COMMUNICATIONS_CREDITS in dependants,
        requires_any_of=frozenset(p.name for p in plan.requires_any_of.all()),
    )


def user_service_plans(*, user):
    """Names of the enabled service plans `user` holds across all assigned licences (one query).

    Suites expand (Microsoft 365 E5 gives MCOEV and MCOMEETADV); a plan an admin switched off is left out.
    Calling products are named by their SKU part number; Pay-As-You-Go is MCOPSTN_PAYG_1 (zone 1) and
    MCOPSTN_PAYG_2 (zone 2).
    """
    return frozenset(AssignedPlan.objects.filter(user=user, enabled=True)
                     .values_list("service_plan__name", flat=True).distinct())


def assigned_plan_counts(*, tenant, plan_names):
    """{(service plan name, usage location): number of the tenant's users holding that plan enabled} (one query).

    A user holding the plan through two licences (E5 and Teams Phone) counts once.
    """
    rows = (AssignedPlan.objects.filter(tenant=tenant, enabled=True, service_plan__name__in=list(plan_names))
            .values("service_plan__name", "user__usage_location")
            .annotate(users=Count("user", distinct=True))
            .order_by())
    return {(row["service_plan__name"], row["user__usage_location"]): row["users"] for row in rows}


def licensed_user_count(*, tenant):
    """How many users of the tenant hold at least one licence."""
    return LicenseAssignment.objects.filter(tenant=tenant).values("user_id").distinct().count()
