"""The licensing rules as pure decisions on the catalogue: what a plan requires, and the names Graph gives a broken rule.

The service that changes licenses (`services.assignments`) refuses a change that breaks them; the reads behind
Graph's `licenseAssignmentStates` report an assignment that breaks them now (the catalogue or a subscription
changed under it). Both take these decisions from here.
"""
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from .models import Product, ServicePlan, Subscription

# Graph's licenseAssignmentState.error values (and the error of an assignLicense refusal).
COUNT_VIOLATION = "CountViolation"
MUTUALLY_EXCLUSIVE_VIOLATION = "MutuallyExclusiveViolation"
DEPENDENCY_VIOLATION = "DependencyViolation"
USAGE_LOCATION_VIOLATION = "ProhibitedInUsageLocationViolation"
OTHER = "Other"

# Licenses of a subscription in these statuses may be assigned and work; Disabled and Deleted ones do neither.
ASSIGNABLE_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.EXPIRED)


class Catalogue:
    """Products and plans loaded once (two queries), with what each plan requires."""

    def __init__(self) -> None:
        self.products = {p.pk: p for p in Product.objects.prefetch_related("service_plans")}
        self.plans = {p.pk: p for p in ServicePlan.objects.prefetch_related("requires_any_of")}
        self.plan_names = {p.pk: p.name for p in self.plans.values()}
        self.plan_ids = {p.name: p.pk for p in self.plans.values()}
        self.requires = {p.name: {r.name for r in p.requires_any_of.all()} for p in self.plans.values()}
        self.friendly = {p.name: p.friendly_name for p in self.plans.values()}

    def product_plan_names(self, product_id: UUID) -> list[str]:
        return [plan.name for plan in self.products[product_id].service_plans.all()]

    def suites_providing(self, plan_names: Collection[str]) -> list[str]:
        """Suites (products of several plans) that include any of `plan_names`: another way to get them."""
        return [p.name for p in self.products.values()
                if len(p.service_plans.all()) > 1 and any(plan.name in plan_names for plan in p.service_plans.all())]


def enabled_plans(state: Mapping[UUID, Collection[str]], catalogue: Catalogue) -> dict[str, set[UUID]]:
    """{plan name: product ids providing it enabled} for a user's state {product id: disabled plan names}."""
    enabled: dict[str, set[UUID]] = {}
    for product_id, disabled in state.items():
        for name in catalogue.product_plan_names(product_id):
            if name not in disabled:
                enabled.setdefault(name, set()).add(product_id)
    return enabled


def unmet_requirements(enabled_plan_names: Iterable[str], requires: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """{plan name: the plans it requires} for each enabled plan that has none of the plans it requires enabled."""
    enabled = set(enabled_plan_names)
    return {plan: required for plan in sorted(enabled) if (required := requires.get(plan)) and not required & enabled}


@dataclass(frozen=True)
class Violation:
    """One broken rule: the admin centre's words for it, Graph's error name and what Graph's message names."""

    error: str
    message: str
    sku_id: object = None
    plan_id: object = None
    required_plan_ids: tuple[object, ...] = ()


# Graph's licenseAssignmentState.state values.
ACTIVE = "Active"
ACTIVE_WITH_ERROR = "ActiveWithError"
DISABLED = "Disabled"
ERROR = "Error"


def assignment_state(*, subscription_assignable: bool, beyond_purchased: bool, usage_location: str | None,
                     requirement_unmet: bool) -> tuple[str, str | None]:
    """(state, error) of one assignment held now, as Graph's licenseAssignmentState reports it.

    A license of a suspended or deleted subscription is Disabled; one beyond the licenses purchased (the newest
    first) or held without a usage location is in Error; one whose plan lacks a plan it requires still works
    for its other plans (ActiveWithError)."""
    if not subscription_assignable:
        return DISABLED, None
    if beyond_purchased:
        return ERROR, COUNT_VIOLATION
    if not usage_location:
        return ERROR, USAGE_LOCATION_VIOLATION
    if requirement_unmet:
        return ACTIVE_WITH_ERROR, DEPENDENCY_VIOLATION
    return ACTIVE, None
