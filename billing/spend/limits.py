"""The spend-limit and slice rules of a call, and the two reads they need (plain SQL: the call API runs them).

One rule, used by authorize and extend alike: a user's calls may hold and spend from credits no more than the room
left under their monthly limit, `limit - spent this month - held by their calls in progress`, and a call holds at
most one slice of credit at a time. Spend counts what credits paid for the user's calls (Pay-As-You-Go and overage
past a pool), by the calendar month (UTC) the call started in, realtime and imported alike.
"""
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from billing.rating.models import CallAuthorization, CallRecord
from core import sql
from core.money import db_money

from .models import CallingPolicy, DestinationPolicy, UserCallingPolicy

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CallPolicy:
    """What a tenant's calling policy says about one user's call."""

    slice_seconds: int
    user_limit: Decimal | None  # the user's monthly limit when spend limits are on, else None
    blocked_countries: frozenset = frozenset()
    blocked_number_types: frozenset = frozenset()
    max_concurrent_calls: int | None = None


def month_start(at):
    at = at.astimezone(datetime.UTC)
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def effective_limit(*, enabled, tenant_limit, user_limit):
    """The user's own limit overrides the policy's; neither applies while spend limits are off."""
    if not enabled:
        return None
    return user_limit if user_limit is not None else tenant_limit


def spend_room(*, limit, spent, held):
    """What the user's calls may still hold or spend this month (never below zero); None when there is no limit."""
    if limit is None:
        return None
    return max(limit - spent - held, ZERO)


def policy_parts(user: str, tenant: str = "%s") -> tuple[str, str]:
    """(select list, joins) of a call's whole policy, for a statement of any FROM: the tenant's policy, the user's
    own (the user whose id is the SQL expression `user`) and the destination policy that applies (the user's, else
    the tenant's default). The joins name the tenant's id as the SQL `tenant`, by default a parameter (twice: before
    and after any in `user`, see policy_params); `policy_from_row` reads the select list's values. The call API reads
    a caller's policy along with the caller (billing/rating/services/first_look.py)."""
    p, u, d = CallingPolicy, UserCallingPolicy, DestinationPolicy
    select = (f"sp.{sql.column(p, 'enable_spend_limits')}, sp.{sql.column(p, 'user_spend_limit')}, "
              f"sp.{sql.column(p, 'slice_minutes')}, su.{sql.column(u, 'spend_limit')}, "
              f"sd.{sql.column(d, 'blocked_countries')}, sd.{sql.column(d, 'blocked_number_types')}, "
              f"sd.{sql.column(d, 'max_concurrent_calls')}")
    joins = (f"LEFT JOIN {sql.table(p)} AS sp ON sp.{sql.column(p, 'tenant')} = {tenant} "
             f"LEFT JOIN {sql.table(u)} AS su ON su.{sql.column(u, 'user')} = {user} AND su.{sql.column(u, 'tenant')} = {tenant} "
             f"LEFT JOIN {sql.table(d)} AS sd ON sd.{sql.column(d, 'id')} = COALESCE("
             f"su.{sql.column(u, 'destination_policy')}, sp.{sql.column(p, 'destination_policy')})")
    return select, joins


POLICY_COLUMNS = 7  # the values of policy_parts()'s select list


def policy_params(tenant, *user):
    """The parameters of policy_parts()'s joins: the tenant's id around those of `user`'s expression (if any);
    `tenant` None when the joins were given the tenant's id as SQL."""
    if tenant is None:
        return [*user]
    tenant_id = sql.db_value(CallingPolicy, "tenant", tenant.pk)
    return [tenant_id, *user, tenant_id]


def _policy_sql():
    select, joins = policy_parts("%s")
    return f"SELECT {select} FROM (SELECT 1 AS one) AS o {joins}"


# The whole policy of a call in one statement.
_POLICY = sql.Statement(_policy_sql)


def _set(text):
    return frozenset(item for item in (text or "").split(",") if item)


def call_policy(*, tenant, user_id, default_slice_minutes):
    """The slice, the user's limit and the destination rules of a call, in one statement."""
    user = sql.db_value(UserCallingPolicy, "user", user_id) if user_id else None
    return policy_from_row(_POLICY.rows(policy_params(tenant, user))[0], user_id=user_id,
                           default_slice_minutes=default_slice_minutes)


def policy_from_row(values, *, user_id, default_slice_minutes):
    """The CallPolicy of the values policy_parts()'s select list read (for the user `user_id`, or None)."""
    enabled, tenant_limit, slice_minutes, user_limit, countries, number_types, max_calls = values
    limit = effective_limit(enabled=bool(enabled), tenant_limit=db_money(tenant_limit),
                            user_limit=db_money(user_limit))
    return CallPolicy(slice_seconds=(slice_minutes or default_slice_minutes) * 60,
                      user_limit=limit if user_id else None, blocked_countries=_set(countries),
                      blocked_number_types=_set(number_types), max_concurrent_calls=max_calls or None)


def _sum(model, name):
    column = sql.column(model, name)
    if connection.vendor == "sqlite":  # decimals are binary floats there: sum whole cents (core.money.MoneySum)
        return f"COALESCE(SUM(CAST(ROUND({column} * 100) AS INTEGER)), 0) / 100.0"
    return f"COALESCE(SUM({column}), 0)"


_SPENT_AND_HELD = sql.Statement(lambda: (
    f"SELECT (SELECT {_sum(CallRecord, 'charge')} FROM {sql.table(CallRecord)} "
    f"WHERE {sql.column(CallRecord, 'user')} = %s AND {sql.column(CallRecord, 'tenant')} = %s "
    f"AND {sql.column(CallRecord, 'start_at')} >= %s AND {sql.column(CallRecord, 'start_at')} < %s), "
    f"(SELECT {_sum(CallAuthorization, 'credit_amount_reserved')} FROM {sql.table(CallAuthorization)} "
    f"WHERE {sql.column(CallAuthorization, 'tenant')} = %s AND {sql.column(CallAuthorization, 'user')} = %s "
    f"AND {sql.column(CallAuthorization, 'status')} = %s)"))


def spent_and_held(*, tenant, user_id, at):
    """(what credits paid for the user's calls that started in `at`'s month, what their calls in progress hold)."""
    start = month_start(at)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    spent, held = _SPENT_AND_HELD.rows([
        sql.db_value(CallRecord, "user", user_id), sql.db_value(CallRecord, "tenant", tenant.pk),
        sql.db_value(CallRecord, "start_at", start), sql.db_value(CallRecord, "start_at", end),
        sql.db_value(CallAuthorization, "tenant", tenant.pk), sql.db_value(CallAuthorization, "user", user_id),
        CallAuthorization.Status.HELD])[0]
    return db_money(spent) or ZERO, db_money(held) or ZERO


@dataclass(frozen=True)
class CreditBudget:
    """What a call may hold from credits now, and why it is no more."""

    amount: Decimal
    spend_limited: bool  # the user's room, not the balance, is the smaller
    limit: Decimal | None = None
    spent: Decimal = ZERO


def credit_budget(*, tenant, policy, user_id, available, at):
    """The balance available to calls, capped by the user's room under their limit (the caller holds the
    credit account's lock, so no other call of the tenant changes what is held meanwhile)."""
    if policy.user_limit is None or not user_id:
        return CreditBudget(amount=available, spend_limited=False)
    spent, held = spent_and_held(tenant=tenant, user_id=user_id, at=at)
    room = spend_room(limit=policy.user_limit, spent=spent, held=held)
    return CreditBudget(amount=min(available, room), spend_limited=room < available, limit=policy.user_limit,
                        spent=spent)
