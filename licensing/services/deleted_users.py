"""Delete user and Users > Deleted users: a deleted user frees their licenses, cannot sign in or place calls, and can
be restored for DELETED_USER_RETENTION_DAYS (30, as in Microsoft 365); after that they are deleted for good."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services import audit_record, require_may_manage

from ..models import Product, ServicePlan
from ..selectors import assigned_licenses_by_user
from .assignments import licenses_change


def retention() -> timedelta:
    return timedelta(days=settings.DELETED_USER_RETENTION_DAYS)


def restorable_until(user: User) -> datetime | None:
    return user.deleted_at + retention() if user.deleted_at is not None else None


def deleted_users(*, tenant: Tenant, at: datetime | None = None) -> QuerySet[User]:
    """The tenant's users deleted less than the retention period ago, the most recently deleted first."""
    now = at or timezone.now()
    return User.objects.filter(tenant=tenant, deleted_at__gt=now - retention()).order_by("-deleted_at", "display_name")


def user_delete(*, user: User, actor: object, at: datetime | None = None) -> User:
    """Deletes `user`: their licenses go back to the pool at once, sign-in and calls stop; restorable for 30 days."""
    if user.deleted_at is not None:
        return user
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationError({"user": "You can't delete yourself."})
    require_may_manage(user=user, actor=actor, action="delete")
    assert user.tenant is not None, "the users deleted here are a tenant's"
    now = at or timezone.now()
    with transaction.atomic():
        held = assigned_licenses_by_user(user_ids=[user.pk]).get(user.pk, {})
        names = dict(Product.objects.filter(pk__in=list(held)).values_list("pk", "sku_part_number"))
        if held:
            licenses_change(tenant=user.tenant, actor=actor, users=[user], remove_others=True)
        disabled = _disabled_plan_names(held)
        user.deleted_at = now
        user.deleted_licenses = {str(pid): sorted(disabled.get(pid, ())) for pid in held}
        user.save(update_fields=["deleted_at", "deleted_licenses"])
        audit_record(tenant=user.tenant, actor=actor, action="user.delete", target=user,
                     before={"licenses": sorted(names.values())}, after={"licenses": []})
    return user


def _disabled_plan_names(held: dict[UUID, list[UUID]]) -> dict[UUID, set[str]]:
    ids = {plan_id for plan_ids in held.values() for plan_id in plan_ids}
    names = dict(ServicePlan.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {pid: {names[plan_id] for plan_id in plan_ids} for pid, plan_ids in held.items()}


@dataclass(frozen=True)
class Restored:
    user: User
    licenses_restored: bool
    problem: str = ""


def user_restore(*, user: User, actor: object, at: datetime | None = None) -> Restored:
    """Restores a deleted user with sign-in as it was and, when enough are available, the licenses they held."""
    now = at or timezone.now()
    if user.deleted_at is None:
        raise ValidationError({"user": f"{user.display_name} is not deleted."})
    if user.deleted_at <= now - retention():
        raise ValidationError({"user": f"{user.display_name} was deleted more than "
                                       f"{settings.DELETED_USER_RETENTION_DAYS} days ago and can't be restored."})
    require_may_manage(user=user, actor=actor, action="restore")
    assert user.tenant is not None, "the users restored here are a tenant's"
    wanted = {UUID(pid): set(names) for pid, names in (user.deleted_licenses or {}).items()}
    products = list(Product.objects.filter(pk__in=list(wanted)))
    with transaction.atomic():
        user.deleted_at = None
        user.deleted_licenses = {}
        user.save(update_fields=["deleted_at", "deleted_licenses"])
        problem = ""
        if products:
            try:
                with transaction.atomic():
                    licenses_change(tenant=user.tenant, actor=actor, users=[user], add=products, disabled_plans=wanted)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
        audit_record(tenant=user.tenant, actor=actor, action="user.restore", target=user,
                     before={"licenses": []},
                     after={"licenses": sorted(p.sku_part_number for p in products) if not problem else []})
    return Restored(user=user, licenses_restored=not problem, problem=problem)


def deleted_users_purge(*, at: datetime | None = None) -> int:
    """Deletes for good every user deleted more than the retention period ago (the beat task runs it daily).

    Append-only records keep what the user did (their actor becomes NULL, the actor_label stays). Should a record
    still refuse the deletion, the row is kept anonymous, listed nowhere, and the username is freed."""
    now = at or timezone.now()
    purged = 0
    for user in User.objects.select_related("tenant").filter(deleted_at__lte=now - retention()).exclude(
            upn__endswith=".purged.invalid").order_by("deleted_at"):
        assert user.tenant is not None
        with transaction.atomic():
            audit_record(tenant=user.tenant, actor=None, action="user.purge", target=user)
            try:
                with transaction.atomic():
                    User.objects.filter(pk=user.pk).delete()
            except DatabaseError:
                User.objects.filter(pk=user.pk).update(
                    upn=f"{user.pk}@{user.tenant.initial_domain}.purged.invalid", display_name="Deleted user",
                    first_name="", last_name="", phone_number="", department="", job_title="", office_location="",
                    password="!", sign_in_allowed=False)
        purged += 1
    return purged
