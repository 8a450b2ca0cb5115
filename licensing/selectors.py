"""Reads shared by licensing's pages, its API and other apps (rating builds minute pools on these)."""
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, TypedDict
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Tenant, User
from accounts.roles import Role

from .models import AssignedPlan, LicenseAssignment, Product, ServicePlan, Subscription, SubscriptionQuantityChange
from .rules import ASSIGNABLE_STATUSES, Catalogue, assignment_state, enabled_plans, unmet_requirements

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a development dependency: for annotations only

COMMUNICATIONS_CREDITS = "MCOPSTNC"


class _Usage(TypedDict):
    consumed_units: int


class _LedgerUnits(TypedDict):
    ledger_units: int


@dataclass(frozen=True)
class Entitlement:
    """What one service plan gives each user who holds it, per calendar month (PRODUCT.md, "Calling Plans")."""

    plan_name: str
    default_minutes: int
    minutes_by_country: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))
    international_minutes: int = 0
    dial_out_minutes: int = 0
    pooled: bool = True
    is_prerequisite: bool = False
    enables_communications_credits: bool = False
    requires_any_of: frozenset[str] = frozenset()

    def minutes_for(self, country: str | None) -> int:
        """Outbound domestic minutes per user per month for a user whose usage location is `country`."""
        return self.minutes_by_country.get((country or "").upper(), self.default_minutes)


def entitlement_for(plan_name: str) -> Entitlement:
    """The entitlement of the service plan named `plan_name` (e.g. "MCOPSTN1"), read from the catalogue.

    `is_prerequisite` is true when another plan requires this one (Teams Phone); `enables_communications_credits`
    when holding it allows the Communications Credits license (Calling Plans, Audio Conferencing).
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


def user_service_plans(*, user: User) -> frozenset[str]:
    """Names of the enabled service plans `user` holds across all assigned licenses (one query).

    Suites expand (Microsoft 365 E5 gives MCOEV and MCOMEETADV); a plan an admin switched off is left out.
    Calling products are named by their SKU part number; Pay-As-You-Go is MCOPSTN_PAYG_1 (zone 1) and
    MCOPSTN_PAYG_2 (zone 2).
    """
    return frozenset(AssignedPlan.objects.filter(user=user, enabled=True)
                     .values_list("service_plan__name", flat=True).distinct())


def assigned_plan_counts(*, tenant: Tenant, plan_names: Iterable[str]) -> dict[tuple[str, str], int]:
    """{(service plan name, usage location): number of the tenant's users holding that plan enabled} (one query).

    A user holding the plan through two licenses (E5 and Teams Phone) counts once.
    """
    rows = (AssignedPlan.objects.filter(tenant=tenant, enabled=True, service_plan__name__in=list(plan_names))
            .values("service_plan__name", "user__usage_location")
            .annotate(users=Count("user", distinct=True))
            .order_by())
    return {(row["service_plan__name"], row["user__usage_location"]): row["users"] for row in rows}


def licensed_user_count(*, tenant: Tenant) -> int:
    """How many users of the tenant hold at least one license."""
    return LicenseAssignment.objects.filter(tenant=tenant).values("user_id").distinct().count()


def subscriptions_with_usage(*, tenant: Tenant) -> "QuerySet[WithAnnotations[Subscription, _Usage]]":
    """The tenant's subscriptions with `consumed_units` (licenses assigned) annotated: one query."""
    consumed = (LicenseAssignment.objects.filter(tenant=tenant, product_id=OuterRef("product_id"))
                .order_by().values("product_id").annotate(n=Count("id")).values("n"))
    return (Subscription.objects.filter(tenant=tenant).select_related("product")
            .annotate(consumed_units=Coalesce(Subquery(consumed), 0)))


@dataclass(frozen=True)
class ProductLine:
    """A subscription as Your products and Licenses show it: assigned out of total, and what is left."""

    subscription: "Subscription | WithAnnotations[Subscription, _Usage]"
    assigned: int
    total: int

    @property
    def product(self) -> Product:
        return self.subscription.product

    @property
    def available(self) -> int:
        return max(self.total - self.assigned, 0)

    @property
    def assignable(self) -> bool:
        return self.subscription.status in ASSIGNABLE_STATUSES


def product_lines(*, tenant: Tenant, assignable_only: bool = False, with_plans: bool = False) -> list[ProductLine]:
    """Every subscription of the tenant with assigned/total licenses, in catalogue order (one query, two with plans)."""
    subscriptions = subscriptions_with_usage(tenant=tenant)
    if with_plans:
        subscriptions = subscriptions.prefetch_related("product__service_plans")
    lines = [ProductLine(subscription=s, assigned=s.consumed_units, total=s.total_units) for s in subscriptions]
    return [line for line in lines if line.assignable] if assignable_only else lines


# Active users "Filter" views: key -> (label, condition on User)
USER_VIEWS = {
    "all": ("All users", Q()),
    "licensed": ("Licensed users", Q(Exists(LicenseAssignment.objects.filter(user=OuterRef("pk"))))),
    "unlicensed": ("Unlicensed users", ~Q(Exists(LicenseAssignment.objects.filter(user=OuterRef("pk"))))),
    "sign_in_allowed": ("Sign-in allowed", Q(sign_in_allowed=True)),
    "sign_in_blocked": ("Sign-in blocked", Q(sign_in_allowed=False)),
    "billing_admins": ("Billing admins", Q(role_rows__role=Role.BILLING_ADMIN)),
    "global_admins": ("Global admins", Q(role_rows__role=Role.GLOBAL_ADMIN)),
}
UNLICENSED = "unlicensed"
USER_SORTS = {
    "display_name": ("display_name", "pk"), "-display_name": ("-display_name", "-pk"),
    "upn": ("upn",), "-upn": ("-upn",),
}


def active_users(*, tenant: Tenant, search: str = "", product: str = "", view: str = "all",
                 sort: str = "display_name") -> QuerySet[User]:
    """The Active users list: search on display name and username, a view, a product (or "unlicensed"), sorted."""
    users = User.objects.filter(tenant=tenant, deleted_at__isnull=True).filter(USER_VIEWS.get(view, USER_VIEWS["all"])[1])
    search = search.strip()
    if search:
        users = users.filter(Q(display_name__icontains=search) | Q(upn__icontains=search))
    if product == UNLICENSED:
        users = users.filter(~Exists(LicenseAssignment.objects.filter(user=OuterRef("pk"))))
    elif product:
        users = users.filter(Exists(LicenseAssignment.objects.filter(user=OuterRef("pk"),
                                                                     product__sku_part_number=product)))
    return users.order_by(*USER_SORTS.get(sort, USER_SORTS["display_name"]))


def license_names_by_user(*, user_ids: Iterable[UUID]) -> dict[UUID, list[str]]:
    """{user id: [product names]} for the given users, in catalogue order (one query)."""
    names: dict[UUID, list[str]] = {}
    rows = (LicenseAssignment.objects.filter(user_id__in=list(user_ids))
            .order_by("product__sort_order", "product__name").values_list("user_id", "product__name"))
    for user_id, name in rows:
        names.setdefault(user_id, []).append(name)
    return names


def assigned_licenses_by_user(*, user_ids: Iterable[UUID]) -> dict[UUID, dict[UUID, list[UUID]]]:
    """{user id: {SKU id: [disabled service plan ids]}} in catalogue order (two queries, plain tuples)."""
    user_ids = list(user_ids)
    licenses: dict[UUID, dict[UUID, list[UUID]]] = {}
    rows = (LicenseAssignment.objects.filter(user_id__in=user_ids).order_by("product__sort_order", "product_id")
            .values_list("user_id", "product_id"))
    for user_id, product_id in rows:
        licenses.setdefault(user_id, {})[product_id] = []
    disabled = (AssignedPlan.objects.filter(user_id__in=user_ids, enabled=False).order_by("service_plan_id")
                .values_list("user_id", "assignment__product_id", "service_plan_id"))
    for user_id, product_id, plan_id in disabled:
        licenses[user_id][product_id].append(plan_id)
    return licenses


@dataclass(frozen=True)
class AssignedPlanRow:
    """A service plan a user holds, as Graph's user.assignedPlans lists it."""

    assigned_at: object
    capability_status: str
    service: str
    service_plan_id: object


def assigned_plans_by_user(*, tenant: Tenant, user_ids: Iterable[UUID]) -> dict[UUID, list[AssignedPlanRow]]:
    """{user id: [AssignedPlanRow]} (two queries): a plan switched off reads Deleted, as Graph reports it; the others
    take their subscription's capability status."""
    statuses = {product_id: Subscription.CAPABILITY_STATUS[Subscription.Status(status)] for product_id, status in
                Subscription.objects.filter(tenant=tenant).values_list("product_id", "status")}
    plans: dict[UUID, list[AssignedPlanRow]] = {}
    rows = (AssignedPlan.objects.filter(tenant=tenant, user_id__in=list(user_ids))
            .order_by("assignment__product__sort_order", "service_plan__name")
            .values_list("user_id", "assignment__assigned_at", "assignment__product_id", "enabled", "service_plan__service",
                         "service_plan_id"))
    for user_id, assigned_at, product_id, enabled, service, plan_id in rows:
        status = statuses.get(product_id, "Deleted") if enabled else "Deleted"
        plans.setdefault(user_id, []).append(AssignedPlanRow(assigned_at, status, service, plan_id))
    return plans


@dataclass(frozen=True)
class LicenseState:
    """One license a user holds, with its state and error as Graph's licenseAssignmentStates report them."""

    sku_id: object
    disabled_plan_ids: tuple[UUID, ...]
    state: str
    error: str | None
    last_updated_at: object


def license_states_by_user(*, tenant: Tenant, user_ids: Iterable[UUID]) -> dict[UUID, list[LicenseState]]:
    """{user id: [LicenseState]} in catalogue order, judged now by licensing/rules.py: a suspended subscription,
    licenses assigned beyond those purchased (the newest first), a missing usage location, a plan without the plan
    it requires. Eight queries, one more per product assigned beyond its purchased licenses."""
    rows = list(LicenseAssignment.objects.filter(tenant=tenant, user_id__in=list(user_ids))
                .order_by("product__sort_order", "product_id")
                .values_list("id", "user_id", "product_id", "assigned_at", "user__usage_location"))
    disabled: dict[int, dict[UUID, str]] = {}
    for assignment_id, plan_id, plan_name in (AssignedPlan.objects.filter(assignment_id__in=[r[0] for r in rows],
                                                                          enabled=False)
                                              .values_list("assignment_id", "service_plan_id", "service_plan__name")):
        disabled.setdefault(assignment_id, {})[plan_id] = plan_name
    catalogue = Catalogue()
    subscriptions = {s.product_id: s for s in subscriptions_with_usage(tenant=tenant)}
    subscription: WithAnnotations[Subscription, _Usage] | None
    beyond: set[int] = set()
    for product_id, subscription in subscriptions.items():
        excess = subscription.consumed_units - subscription.total_units
        if excess > 0 and product_id in {r[2] for r in rows}:
            beyond.update(LicenseAssignment.objects.filter(tenant=tenant, product_id=product_id)
                          .order_by("-assigned_at", "-id").values_list("id", flat=True)[:excess])
    held: dict[UUID, dict[UUID, set[str]]] = {}
    for assignment_id, user_id, product_id, _, _ in rows:
        held.setdefault(user_id, {})[product_id] = set(disabled.get(assignment_id, {}).values())
    unmet = {user_id: unmet_requirements(enabled_plans(state, catalogue), catalogue.requires)
             for user_id, state in held.items()}
    states: dict[UUID, list[LicenseState]] = {}
    for assignment_id, user_id, product_id, assigned_at, usage_location in rows:
        subscription = subscriptions.get(product_id)
        own_plans = set(catalogue.product_plan_names(product_id)) - held[user_id][product_id]
        state, error = assignment_state(
            subscription_assignable=subscription is not None and subscription.status in ASSIGNABLE_STATUSES,
            beyond_purchased=assignment_id in beyond, usage_location=usage_location,
            requirement_unmet=bool(own_plans & unmet[user_id].keys()))
        states.setdefault(user_id, []).append(LicenseState(
            sku_id=product_id, disabled_plan_ids=tuple(sorted(disabled.get(assignment_id, {}), key=str)), state=state,
            error=error, last_updated_at=assigned_at))
    return states


def subscriptions_out_of_balance() -> "QuerySet[WithAnnotations[Subscription, _LedgerUnits]]":
    """Subscriptions whose enabled units differ from the sum of their quantity ledger (should be none)."""
    ledger = (SubscriptionQuantityChange.objects.filter(subscription=OuterRef("pk")).order_by()
              .values("subscription").annotate(total=Sum("delta")).values("total"))
    return (Subscription.objects.select_related("tenant", "product")
            .annotate(ledger_units=Coalesce(Subquery(ledger), 0)).exclude(enabled_units=F("ledger_units")))
