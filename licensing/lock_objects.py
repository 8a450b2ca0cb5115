"""Every row lock of licensing, in one fixed order: subscriptions (by id), then users (by id)."""
from accounts.models import User

from .models import Subscription


def subscriptions_for_update(*, tenant, product_ids):
    """The tenant's subscriptions of these products, locked in id order so two writers never deadlock."""
    return list(Subscription.objects.select_for_update().filter(tenant=tenant, product_id__in=list(product_ids))
                .select_related("product").order_by("pk"))


def users_for_update(*, tenant, user_ids):
    """The tenant's users, locked after the subscriptions, in id order."""
    return list(User.objects.select_for_update().filter(tenant=tenant, pk__in=list(user_ids)).order_by("pk"))
