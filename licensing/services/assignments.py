"""License assignment: the one service that applies the licensing rules (decisions in licensing/rules.py), shared by
every page and the Graph API.

Rules (PRODUCT.md): no license without a usage location, and none whose plan isn't sold there
(licensing/availability.py); never more assigned than purchased; a plan that requires others (Calling Plans
need Teams Phone, Communications Credits needs a Calling Plan or Audio Conferencing) needs one of them enabled;
removing a prerequisite names what depends on it and removes nothing. A change is checked for every user first
and applied all together or not at all.
"""
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from accounts.models import Tenant, User
from accounts.services import audit_record, tenant_licenses_changed

from .. import lock_objects
from ..availability import not_available_message, plan_available_in
from ..models import AssignedPlan, LicenseAssignment, Product, Subscription
from ..rules import (
    ASSIGNABLE_STATUSES,
    COUNT_VIOLATION,
    DEPENDENCY_VIOLATION,
    OTHER,
    USAGE_LOCATION_VIOLATION,
    Catalogue,
    Violation,
    enabled_plans,
    unmet_requirements,
)

INVALID_USAGE_LOCATION = "License assignment cannot be done for user with invalid usage location."
# A user's licenses: {product id: names of the service plans switched off}.
State = dict[UUID, set[str]]


@dataclass(frozen=True)
class LicenseChange:
    """What a change did: licenses assigned and unassigned, users whose licenses or apps changed."""

    assigned: int = 0
    unassigned: int = 0
    users_changed: int = 0


def _names(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _requirement_errors(prefix: str, before: State, after: State, catalogue: Catalogue) -> list[Violation]:
    """Violations for every plan the user would hold without one of the plans it requires."""
    errors: list[Violation] = []
    enabled_after = enabled_plans(after, catalogue)
    enabled_before = enabled_plans(before, catalogue)
    for plan_name, required in unmet_requirements(enabled_after, catalogue.requires).items():
        providers = enabled_after[plan_name]
        dependants = _names(sorted(catalogue.products[pid].name for pid in providers))
        kept_before = required & enabled_before.keys()
        ids: dict[str, Any] = {"plan_id": catalogue.plan_ids[plan_name],
               "required_plan_ids": tuple(catalogue.plan_ids[name] for name in sorted(required))}
        if plan_name in enabled_before and kept_before:
            # The change takes away what an existing license depends on: name both, remove nothing.
            lost = sorted({catalogue.products[pid].name for name in kept_before for pid in enabled_before[name]
                           if pid not in after})
            lost_label = _names(lost or sorted(catalogue.friendly[name] for name in kept_before))
            errors.append(Violation(DEPENDENCY_VIOLATION, f"{prefix}{dependants} needs {lost_label}. "
                                                          f"Remove {dependants} too, or keep {lost_label}.", **ids))
            continue
        message = f"{prefix}{dependants} needs {_names(sorted(catalogue.friendly[n] for n in required))}"
        suites = catalogue.suites_providing(required)
        errors.append(Violation(DEPENDENCY_VIOLATION, f"{message} (also included in {_names(suites)})." if suites
                                else f"{message}.", **ids))
    return errors


def _location_errors(prefix: str, user: User, before: State, after: State, catalogue: Catalogue) -> list[Violation]:
    """Violations for every plan the change would give the user that isn't sold in the user's usage location."""
    gained = enabled_plans(after, catalogue).keys() - enabled_plans(before, catalogue).keys()
    return [Violation(USAGE_LOCATION_VIOLATION, f"{prefix}{not_available_message(catalogue.friendly[name], user.usage_location)}",
                      plan_id=catalogue.plan_ids[name])
            for name in sorted(gained) if not plan_available_in(name, user.usage_location)]


class LicenseRulesBroken(ValidationError):
    """The licensing rules a change would break: the admin centre's messages (as `licenses` errors) and the
    Violations behind them, which the Graph API words as Graph does."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__({"licenses": [violation.message for violation in violations]})
        self.violations = violations


def licenses_change(*, tenant: Tenant, actor: object, users: Iterable[User], add: Iterable[Product] = (),
                    remove: Iterable[Product] = (), remove_others: bool = False,
                    disabled_plans: Mapping[UUID, AbstractSet[str]] | None = None) -> LicenseChange:
    """Assigns and removes product licenses for `users`, checking every rule for all of them first.

    - `add`: products to assign (users who already hold one keep it).
    - `remove`: products to unassign; `remove_others=True` removes every product not in `add` (Replace,
      Unassign all, a user's "Licenses and apps" form).
    - `disabled_plans`: {product id: service plan names switched off} for products in `add`; products
      left out keep their current switches (new licenses get every plan).
    Raises LicenseRulesBroken (a ValidationError) naming each problem; then nothing is changed.
    """
    add_ids = list(dict.fromkeys(p.pk for p in add))
    remove_ids = {p.pk for p in remove} - set(add_ids)
    disabled_plans = {pid: set(names) for pid, names in (disabled_plans or {}).items()}
    user_ids = sorted({u.pk for u in users})
    if not user_ids:
        raise ValidationError({"users": "Select at least one user."})
    with transaction.atomic():
        catalogue = Catalogue()
        current = list(LicenseAssignment.objects.filter(tenant=tenant, user_id__in=user_ids)
                       .prefetch_related("plans"))
        touched = set(add_ids) | remove_ids | ({a.product_id for a in current} if remove_others else set())
        subscriptions = {s.product_id: s for s in lock_objects.subscriptions_for_update(tenant=tenant,
                                                                                       product_ids=touched)}
        locked_users = lock_objects.users_for_update(tenant=tenant, user_ids=user_ids)
        if len(locked_users) != len(user_ids):
            raise ValidationError({"users": "One or more users are not in your organization."})
        held: dict[UUID, dict[UUID, tuple[LicenseAssignment, set[str]]]] = {}
        for assignment in current:
            disabled = {catalogue.plan_names[p.service_plan_id] for p in assignment.plans.all() if not p.enabled}
            held.setdefault(assignment.user_id, {})[assignment.product_id] = (assignment, disabled)

        errors: list[Violation] = []
        plans: dict[UUID, tuple[User, State, State]] = {}
        for product_id, names in disabled_plans.items():
            unknown = names - set(catalogue.product_plan_names(product_id))
            if unknown:
                errors.append(Violation(OTHER, f"{catalogue.products[product_id].name} has no service plan "
                                               f"{_names(sorted(unknown))}.", sku_id=product_id))
        new_by_product = {pid: 0 for pid in add_ids}
        for user in locked_users:
            before = {pid: disabled for pid, (_, disabled) in held.get(user.pk, {}).items()}
            after = {pid: set(d) for pid, d in before.items()
                     if pid not in remove_ids and (not remove_others or pid in add_ids)}
            for pid in add_ids:
                if pid not in after:
                    new_by_product[pid] += 1
                    after[pid] = set(disabled_plans.get(pid, ()))
                elif pid in disabled_plans:
                    after[pid] = set(disabled_plans[pid])
            # Name the user only when several are changed at once.
            prefix = f"{user.display_name}: " if len(locked_users) > 1 else ""
            if set(after) - set(before) and not user.usage_location:
                errors.append(Violation(USAGE_LOCATION_VIOLATION, f"{prefix}{INVALID_USAGE_LOCATION}"))
            elif after != before:
                errors.extend(_location_errors(prefix, user, before, after, catalogue))
            if after != before:
                errors.extend(_requirement_errors(prefix, before, after, catalogue))
            plans[user.pk] = (user, before, after)
        errors.extend(_capacity_errors(tenant, subscriptions, new_by_product, catalogue))
        if errors:
            raise LicenseRulesBroken(errors)
        return _apply(tenant=tenant, actor=actor, plans=plans, held=held, catalogue=catalogue)


def _capacity_errors(tenant: Tenant, subscriptions: Mapping[UUID, Subscription], new_by_product: Mapping[UUID, int],
                     catalogue: Catalogue) -> list[Violation]:
    needed = {pid: n for pid, n in new_by_product.items() if n}
    if not needed:
        return []
    assigned = dict(LicenseAssignment.objects.filter(tenant=tenant, product_id__in=list(needed))
                    .values_list("product_id").annotate(n=Count("id")).order_by())
    errors: list[Violation] = []
    for pid, count in needed.items():
        product = catalogue.products[pid]
        subscription = subscriptions.get(pid)
        if subscription is None or subscription.status not in ASSIGNABLE_STATUSES:
            errors.append(Violation(COUNT_VIOLATION, f"Your organization has no active {product.name} subscription. "
                                                     "Buy licenses on Your products first.", sku_id=pid))
            continue
        available = max(subscription.total_units - assigned.get(pid, 0), 0)
        if count > available:
            errors.append(Violation(COUNT_VIOLATION, f"{product.name}: {count:,} licenses needed, {available:,} "
                                                     "available. No licenses were assigned. Buy more licenses or select "
                                                     "fewer users.", sku_id=pid))
    return errors


def _apply(*, tenant: Tenant, actor: object, plans: Mapping[UUID, tuple[User, State, State]],
           held: Mapping[UUID, Mapping[UUID, tuple[LicenseAssignment, set[str]]]], catalogue: Catalogue) -> LicenseChange:
    """Writes the change in a handful of bulk statements, then one audit row per user whose licenses changed."""
    removed_ids: list[int] = []
    new_assignments: list[tuple[LicenseAssignment, set[str]]] = []
    toggled: list[AssignedPlan] = []
    changed: list[tuple[User, State, State]] = []
    for user_id, (user, before, after) in plans.items():
        if before == after:
            continue
        changed.append((user, before, after))
        removed_ids.extend(held[user_id][pid][0].pk for pid in before if pid not in after)
        for pid, disabled in after.items():
            if pid not in before:
                new_assignments.append((LicenseAssignment(tenant=tenant, user_id=user_id, product_id=pid), disabled))
            elif disabled != before[pid]:
                for row in held[user_id][pid][0].plans.all():
                    enabled = catalogue.plan_names[row.service_plan_id] not in disabled
                    if row.enabled != enabled:
                        row.enabled = enabled
                        toggled.append(row)
    if removed_ids:
        LicenseAssignment.objects.filter(pk__in=removed_ids).delete()
    LicenseAssignment.objects.bulk_create([assignment for assignment, _ in new_assignments], batch_size=1000)
    AssignedPlan.objects.bulk_create([
        AssignedPlan(tenant=tenant, user_id=assignment.user_id, assignment=assignment, service_plan=plan,
                     enabled=plan.name not in disabled)
        for assignment, disabled in new_assignments
        for plan in catalogue.products[assignment.product_id].service_plans.all()
    ], batch_size=2000)
    AssignedPlan.objects.bulk_update(toggled, ["enabled"], batch_size=1000)
    if changed:
        tenant_licenses_changed(tenant_id=tenant.pk)
    for user, before, after in changed:
        audit_record(tenant=tenant, actor=actor, action="user.licenses", target=user,
                     before=_describe(before, catalogue), after=_describe(after, catalogue))
    return LicenseChange(assigned=len(new_assignments), unassigned=len(removed_ids), users_changed=len(changed))


def _describe(state: State, catalogue: Catalogue) -> dict[str, list[str]]:
    return {catalogue.products[pid].sku_part_number: sorted(disabled) for pid, disabled in sorted(
        state.items(), key=lambda item: catalogue.products[item[0]].sku_part_number)}
