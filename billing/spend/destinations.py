"""Destination policies at authorize: countries and number types a user may not call, and calls at once.

Applies to the calls a user places (outbound, transfers, forwarding, conference dial-out); never to emergency calls
or inbound calls. The user's own destination policy, else the tenant's default. One statement reads it; a user with a
concurrent-call limit has their row locked for the count, so two calls at once can never both be the one too many.
"""
from accounts.models import User
from billing.rating.models import BlockReason, CallAuthorization, CallType
from core import sql

from .models import CallingPolicy, DestinationPolicy, UserCallingPolicy

PLACED_CALLS = frozenset({CallType.USER_OUT, CallType.USER_OUT_CONF, CallType.USER_OUT_TRANSFER,
                          CallType.USER_OUT_FORWARDING, CallType.CONF_OUT})


def _policy_sql():
    d, u, p = DestinationPolicy, UserCallingPolicy, CallingPolicy
    return (f"SELECT d.{sql.column(d, 'blocked_countries')}, d.{sql.column(d, 'blocked_number_types')}, "
            f"d.{sql.column(d, 'max_concurrent_calls')} FROM (SELECT 1 AS one) AS o "
            f"LEFT JOIN {sql.table(u)} AS u ON u.{sql.column(u, 'user')} = %s AND u.{sql.column(u, 'tenant')} = %s "
            f"LEFT JOIN {sql.table(p)} AS p ON p.{sql.column(p, 'tenant')} = %s "
            f"LEFT JOIN {sql.table(d)} AS d ON d.{sql.column(d, 'id')} = COALESCE("
            f"u.{sql.column(u, 'destination_policy')}, p.{sql.column(p, 'destination_policy')})")


_POLICY = sql.Statement(_policy_sql)
_LOCK_USER = sql.Statement(lambda: f"SELECT 1 FROM {sql.table(User)} WHERE {sql.column(User, 'id')} = %s"
                                   f"{sql.for_update()}")
_HELD_CALLS = sql.Statement(lambda: (
    f"SELECT COUNT(*) FROM {sql.table(CallAuthorization)} WHERE {sql.column(CallAuthorization, 'tenant')} = %s "
    f"AND {sql.column(CallAuthorization, 'user')} = %s AND {sql.column(CallAuthorization, 'status')} = %s"))


def destination_refusal(*, tenant, user_id, call_type, country, number_type):
    """The BlockReason the user's destination policy gives this call, or None. Runs inside the authorize
    transaction (the user's row stays locked until it commits when a concurrent-call limit applies)."""
    if call_type not in PLACED_CALLS or not user_id:
        return None
    tenant_id = sql.db_value(CallingPolicy, "tenant", tenant.pk)
    countries, number_types, max_calls = _POLICY.rows([sql.db_value(UserCallingPolicy, "user", user_id), tenant_id,
                                                       tenant_id])[0]
    if countries and country and country.upper() in countries.split(","):
        return BlockReason.DESTINATION_BLOCKED
    if number_types and number_type and number_type in number_types.split(","):
        return BlockReason.DESTINATION_BLOCKED
    if max_calls:
        user = sql.db_value(User, "id", user_id)
        _LOCK_USER.rows([user])
        held = _HELD_CALLS.rows([sql.db_value(CallAuthorization, "tenant", tenant.pk), user,
                                 CallAuthorization.Status.HELD])[0][0]
        if held >= max_calls:
            return BlockReason.CONCURRENT_CALLS
    return None
