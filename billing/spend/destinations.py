"""Destination policies at authorize: countries and number types a user may not call, and calls at once.

Applies to the calls a user places (outbound, transfers, forwarding, conference dial-out); never to emergency calls
or inbound calls. The rules come with the call's policy (limits.call_policy: the user's own destination policy, else
the tenant's default). A user with a concurrent-call limit has their row locked while their calls in progress are
counted, so two calls at once can never both be the one too many.
"""
from django.db import connection

from accounts.models import User
from billing.rating.models import BlockReason, CallAuthorization, CallType
from core import sql

PLACED_CALLS = frozenset({CallType.USER_OUT, CallType.USER_OUT_CONF, CallType.USER_OUT_TRANSFER,
                          CallType.USER_OUT_FORWARDING, CallType.CONF_OUT})

# Two statements on purpose: a count in the locking statement would read the rows as they were when it started,
# before the call that held the lock committed (PostgreSQL re-checks only the locked row after waiting). On
# PostgreSQL both go in one round trip (`_held_calls_after_lock`): each statement of a multi-statement query gets its
# own snapshot, so the count still sees what the lock's previous holder committed.
_LOCK_USER = sql.Statement(lambda: f"SELECT 1 FROM {sql.table(User)} WHERE {sql.column(User, 'id')} = %s"
                                   f"{sql.for_update()}")
_HELD_CALLS = sql.Statement(lambda: (
    f"SELECT COUNT(*) FROM {sql.table(CallAuthorization)} WHERE {sql.column(CallAuthorization, 'tenant')} = %s "
    f"AND {sql.column(CallAuthorization, 'user')} = %s AND {sql.column(CallAuthorization, 'status')} = %s"))


def destination_refusal(*, tenant, policy, user_id, call_type, country, number_type):
    """The BlockReason `policy` (limits.CallPolicy) gives this call, or None. Runs inside the authorize transaction
    (the user's row stays locked until it commits when a concurrent-call limit applies)."""
    if call_type not in PLACED_CALLS or not user_id:
        return None
    if country and country.upper() in policy.blocked_countries:
        return BlockReason.DESTINATION_BLOCKED
    if number_type and number_type in policy.blocked_number_types:
        return BlockReason.DESTINATION_BLOCKED
    if policy.max_concurrent_calls and _held_calls_after_lock(tenant=tenant, user_id=user_id) >= (
            policy.max_concurrent_calls):
        return BlockReason.CONCURRENT_CALLS
    return None


def _one_round_trip():
    """PostgreSQL with client-side parameter binding (Django's default for psycopg 3): a query may hold several
    statements, sent as one simple query."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding")


def _held_calls_after_lock(*, tenant, user_id):
    """Locks the user's row, then counts their calls in progress (after the lock is granted)."""
    user = sql.db_value(User, "id", user_id)
    count_params = [sql.db_value(CallAuthorization, "tenant", tenant.pk), user, CallAuthorization.Status.HELD]
    if not _one_round_trip():
        _LOCK_USER.rows([user])
        return _HELD_CALLS.rows(count_params)[0][0]
    with connection.cursor() as cursor:
        cursor.execute(f"{_LOCK_USER.sql}; {_HELD_CALLS.sql}", [user, *count_params])
        cursor.nextset()  # past the lock's row to the count
        return cursor.fetchone()[0]
