"""Every row lock of licensing, in one fixed order: subscriptions (by id), then users (by id)."""
from collections.abc import Iterable
from uuid import UUID

from accounts.models import Tenant, User

from .models import Subscription


def subscriptions_for_update(*, tenant: Tenant, product_ids: Iterable[UUID]) -> list[Subscription]:
    """The tenant's subscriptions of these products, locked in id order so two writers never deadlock."""
    return list(Subscription.objects.select_for_update().filter(tenant=tenant, product_id__in=list(product_ids))
                .select_related("product").order_by("pk"))


def users_for_update(*, tenant: Tenant, user_ids: Iterable[UUID]) -> list[User]:
    """The tenant's users, locked after the subscriptions, in id order."""
    return list(User.objects.select_for_update().filter(tenant=tenant, pk__in=list(user_ids), deleted_at__isnull=True)
                .order_by("pk"))  # a deleted user is given no license
