"""Row locks of Rating and charging, in one place so every writer takes them in the same order."""
import datetime
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from core.sql import Row, Statement, column, db_value, fetch_one, table

from .models import CallAuthorization, MinutePool, RateDeckGeneration

if TYPE_CHECKING:
    from accounts.models import Tenant

    from .routing import PoolRef


def deck_generation_for_update() -> RateDeckGeneration:
    """Locks the generation row: imports run one at a time, so their duplicate checks and version order hold."""
    generation = RateDeckGeneration.objects.select_for_update().filter(pk=RateDeckGeneration.SINGLETON_ID).first()
    if generation is None:  # only a database emptied after migrating (flushed test databases) lacks it
        generation = RateDeckGeneration.objects.create(pk=RateDeckGeneration.SINGLETON_ID)
    return generation


def minute_pool_for_update(*, tenant: "Tenant", month: datetime.date, ref: "PoolRef") -> MinutePool:
    """The pool of `month` that `ref` (routing.PoolRef) names, created on first use, locked until commit.

    Callers hold the tenant's credit account lock first (billing.credits.lock_objects): the lock order is account,
    then pools in (kind, plan, country, user) order, then the ledger's lots.
    """
    key: dict[str, Any] = {"tenant": tenant, "month": month, "kind": ref.kind, "plan": ref.plan}
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
        # ref.user_id: a user's UUID or None (PoolRef holds it as object; django-stubs wants UUID | str here).
        MinutePool.objects.get_or_create(tenant=tenant, month=month, kind=ref.kind, plan=ref.plan, country=ref.country,
                                         user_id=ref.user_id)  # type: ignore[misc]
        pool = MinutePool.objects.select_for_update(no_key=True).get(**key)
    return pool


def call_authorization(*, tenant: "Tenant", call_id: str) -> Any:
    """The call's authorization as it is now, without a lock (a first look; writers re-check under a lock).

    A CallAuthorization or None (Any while services/calls.py reads its pool id unnarrowed: issue 14). The call API
    makes the same read in its bearer token's statement (call_authorization_parts)."""
    return _AUTHORIZATION.instance(_AUTHORIZATION_SQL.rows([db_value(CallAuthorization, "tenant", tenant.pk),
                                                            call_id])[0])


_AUTHORIZATION = Row(CallAuthorization, "ca")


@cache
def call_authorization_parts(tenant: str) -> tuple[str, str]:
    """call_authorization()'s read for a statement of any FROM that names the tenant's id as the SQL `tenant` (a
    parameter, or the bearer token's: call_reads.py): (select list, a LEFT JOIN taking the call id as its
    parameter). The select list's values go to call_authorization_of()."""
    joins = (f"LEFT JOIN {table(CallAuthorization)} ca ON ca.{column(CallAuthorization, 'tenant')} = {tenant} "
             f"AND ca.{column(CallAuthorization, 'call_id')} = %s")
    return _AUTHORIZATION.sql, joins


_AUTHORIZATION_SQL = Statement(lambda: "SELECT {} FROM (SELECT 1 AS one) AS o {}".format(
    *call_authorization_parts("%s")))


@dataclass(frozen=True)
class AuthorizationRead:
    """What call_authorization() gives for `call_id`, read within another statement (call_authorization_parts)."""

    call_id: str
    authorization: Any  # as call_authorization


def call_authorization_of(call_id: str, values: Any) -> AuthorizationRead:
    return AuthorizationRead(call_id, _AUTHORIZATION.instance(values))


def call_authorization_for_update(*, tenant: "Tenant", call_id: str) -> Any:  # as call_authorization
    return fetch_one(CallAuthorization, f"{column(CallAuthorization, 'tenant')} = %s AND "
                                        f"{column(CallAuthorization, 'call_id')} = %s",
                     [db_value(CallAuthorization, "tenant", tenant.pk), call_id], lock=True)
