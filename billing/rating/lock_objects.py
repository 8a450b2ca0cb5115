"""Row locks of Rating and charging, in one place so every writer takes them in the same order."""
from core.sql import column, db_value, fetch_one

from .models import CallAuthorization, MinutePool, RateDeckGeneration


def deck_generation_for_update() -> RateDeckGeneration:
    """Locks the generation row: imports run one at a time, so their duplicate checks and version order hold."""
    generation = RateDeckGeneration.objects.select_for_update().filter(pk=RateDeckGeneration.SINGLETON_ID).first()
    if generation is None:  # only a database emptied after migrating (flushed test databases) lacks it
        generation = RateDeckGeneration.objects.create(pk=RateDeckGeneration.SINGLETON_ID)
    return generation


def minute_pool_for_update(*, tenant, month, ref):
    """The pool of `month` that `ref` (routing.PoolRef) names, created on first use, locked until commit.

    Callers hold the tenant's credit account lock first (billing.credits.lock_objects): the lock order is account,
    then pools in (kind, plan, country, user) order, then the ledger's lots.
    """
    key = {"tenant": tenant, "month": month, "kind": ref.kind, "plan": ref.plan}
    where = " AND ".join(f"{column(MinutePool, name)} = %s" for name in ("tenant", "month", "kind", "plan"))
    params = [db_value(MinutePool, "tenant", tenant.pk), db_value(MinutePool, "month", month), ref.kind, ref.plan]
    if ref.user_id is not None:
        key["user_id"] = ref.user_id
        where += f" AND {column(MinutePool, 'user')} = %s"
        params.append(db_value(MinutePool, "user", ref.user_id))
    else:
        key["user__isnull"] = True
        key["country"] = ref.country
        where += f" AND {column(MinutePool, 'user')} IS NULL AND {column(MinutePool, 'country')} = %s"
        params.append(ref.country)
    pool = fetch_one(MinutePool, where, params, lock=True)  # plain SQL: every pooled call locks its pool
    if pool is None:
        MinutePool.objects.get_or_create(tenant=tenant, month=month, kind=ref.kind, plan=ref.plan, country=ref.country,
                                         user_id=ref.user_id)
        pool = MinutePool.objects.select_for_update(no_key=True).get(**key)
    return pool


def call_authorization(*, tenant, call_id):
    """The call's authorization as it is now, without a lock (a first look; writers re-check under a lock)."""
    return fetch_one(CallAuthorization, f"{column(CallAuthorization, 'tenant')} = %s AND "
                                        f"{column(CallAuthorization, 'call_id')} = %s",
                     [db_value(CallAuthorization, "tenant", tenant.pk), call_id])


def call_authorization_for_update(*, tenant, call_id):
    return fetch_one(CallAuthorization, f"{column(CallAuthorization, 'tenant')} = %s AND "
                                        f"{column(CallAuthorization, 'call_id')} = %s",
                     [db_value(CallAuthorization, "tenant", tenant.pk), call_id], lock=True)
