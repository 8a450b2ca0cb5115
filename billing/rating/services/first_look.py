"""What every authorization reads first, in one statement (plain SQL: core/sql.py).

Where the call id was seen before (held, blocked or recorded), the rate decks' generation token (lookup.RateCache)
and the tenant's licenses version (pools). An outbound call that names its caller reads, in the same statement, the
caller with their own number and plans (parties.person_parts) and the caller's calling policy
(billing.spend.limits.policy_parts): one round trip instead of three. Each module keeps the columns it owns and
reads its own values; this module only joins them. The call API reads the look in the very statement that checks
its bearer token (look_parts, billing/rating/call_reads.py).
"""
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Tenant
from billing.spend import calls as spend_calls
from billing.spend.calls import UserId
from billing.spend.limits import POLICY_COLUMNS, CallPolicy, policy_params, policy_parts
from core import sql

from ..models import BlockedCall, CallAuthorization, CallRecord, RateDeckGeneration
from ..parties import PERSON_COLUMNS, LiveDirectory, clean_upn, person_params, person_parts
from ..routing import USER_CALL_TYPES

_SEEN_IN = (("held", CallAuthorization), ("blocked", BlockedCall), ("recorded", CallRecord))


def _select(tenant: str) -> str:
    """The look's select list; `tenant` is the SQL of the tenant's id (a parameter, or the token's: call_reads)."""
    seen = [f"(SELECT {sql.column(model, 'id')} FROM {sql.table(model)} WHERE {sql.column(model, 'tenant')} = {tenant} "
            f"AND {sql.column(model, 'call_id')} = %s LIMIT 1)" for _, model in _SEEN_IN]
    deck = (f"(SELECT CAST({sql.column(RateDeckGeneration, 'token')} AS text) FROM {sql.table(RateDeckGeneration)} "
            f"WHERE {sql.column(RateDeckGeneration, 'id')} = %s)")
    licenses = (f"(SELECT {sql.column(Tenant, 'licenses_version')} FROM {sql.table(Tenant)} "
                f"WHERE {sql.column(Tenant, 'id')} = {tenant})")
    return ", ".join([*seen, deck, licenses])


def _caller_parts(tenant: str) -> tuple[str, str]:
    """(select list, joins) of the look with the caller and their policy read along."""
    person_select, person_joins, user_id = person_parts(tenant)
    policy_select, policy_joins = policy_parts(user_id, tenant)
    return f"{_select(tenant)}, {person_select}, {policy_select}", f"{person_joins} {policy_joins}"


_LOOK = sql.Statement(lambda: f"SELECT {_select('%s')}")
_LOOK_WITH_CALLER = sql.Statement(lambda: "SELECT {} FROM (SELECT 1 AS one) AS o {}".format(*_caller_parts("%s")))
_LOOK_COLUMNS = len(_SEEN_IN) + 2


@dataclass(frozen=True)
class FirstLook:
    call_id: str  # what it was read for: the call id, and the caller's UPN as _caller_upn() cleans it (or None)
    caller_upn: str | None
    seen: dict[str, int]  # "held" / "blocked" / "recorded" -> the row's id
    deck_generation: str | None
    licenses_version: int | None
    directory: LiveDirectory | None = None  # knows the caller, when the caller was read along
    caller_policy: tuple[UserId, CallPolicy] | None = None  # (the caller's id, their calling policy), if they exist

    def read_for(self, call_id: str, call_type: str, user_principal_name: object) -> bool:
        """Whether this look is the one first_look() would read for this call (call_type: cleaned)."""
        return self.call_id == call_id and self.caller_upn == _caller_upn(call_type, user_principal_name)

    @property
    def policy(self) -> CallPolicy | None:
        return self.caller_policy[1] if self.caller_policy is not None else None

    def policy_for(self, tenant: Tenant, user_id: UserId | None) -> CallPolicy:
        """The calling policy of `user_id`'s call: the one read along when it is the caller's, else read now."""
        if self.caller_policy is not None and user_id is not None and user_id == self.caller_policy[0]:
            return self.caller_policy[1]
        return spend_calls.policy_of(tenant=tenant, user_id=user_id)


def _caller_upn(call_type: str, user_principal_name: object) -> str | None:
    """The UPN an outbound call names, cleaned as call_party cleans it; None when there is none to read along (a
    bad one is reported by call_party, after an earlier answer for the same call id had its chance)."""
    if call_type not in USER_CALL_TYPES:
        return None
    try:
        upn = clean_upn(user_principal_name)
    except ValidationError:
        return None
    return upn or None


def _params(tenant: Tenant | None, call_id: str, upn: str | None) -> tuple[list[object], list[object]]:
    """(the select list's parameters, the joins') of the look; `tenant` None when the SQL names the tenant's id."""
    tenant_id = [sql.db_value(CallAuthorization, "tenant", tenant.pk)] if tenant is not None else []
    select = [*[*tenant_id, call_id] * len(_SEEN_IN), RateDeckGeneration.SINGLETON_ID, *tenant_id]
    if upn is None:
        return select, []
    return select, [*person_params(tenant, upn), *policy_params(tenant)]


def first_look(tenant: Tenant, call_id: str, *, call_type: str = "", user_principal_name: object = "") -> FirstLook:
    upn = _caller_upn(call_type, user_principal_name)
    select, joins = _params(tenant, call_id, upn)
    return look_from(tenant, (_LOOK if upn is None else _LOOK_WITH_CALLER).rows([*select, *joins]), call_id, upn)


def look_parts(tenant: str, call_id: str, call_type: str,
               user_principal_name: object) -> tuple[str, list[object], str, list[object], str | None]:
    """The look first_look() reads, for a statement that names the tenant's id as the SQL `tenant` (the bearer
    token's: billing/rating/call_reads.py): (select list, its parameters, joins, theirs, the caller's UPN)."""
    upn = _caller_upn(call_type, user_principal_name)
    select_params, join_params = _params(None, call_id, upn)
    select, joins = _parts(tenant, upn is not None, connection.vendor)
    return select, select_params, joins, join_params, upn


@cache
def _parts(tenant: str, with_caller: bool, vendor: str) -> tuple[str, str]:
    """look_parts()'s SQL, written once per process (`vendor` keys the cache only)."""
    return _caller_parts(tenant) if with_caller else (_select(tenant), "")


def look_from(tenant: Tenant, rows: Sequence[Sequence[Any]], call_id: str, upn: str | None) -> FirstLook:
    """The FirstLook of the rows a look read (first_look's statement, or look_parts' within another)."""
    if upn is None:
        return _look(call_id, upn, rows[0])
    directory = LiveDirectory(tenant)
    directory.remember(upn, [row[_LOOK_COLUMNS:_LOOK_COLUMNS + PERSON_COLUMNS] for row in rows])
    person = directory.person(upn)
    if person is None:
        return _look(call_id, upn, rows[0], directory=directory)
    user_id = cast(UserId, person.pk)  # parties.Person keeps it untyped
    policy = spend_calls.policy_read(rows[0][_LOOK_COLUMNS + PERSON_COLUMNS:_LOOK_COLUMNS + PERSON_COLUMNS + POLICY_COLUMNS],
                                     user_id=user_id)
    return _look(call_id, upn, rows[0], directory=directory, caller_policy=(user_id, policy))


def _look(call_id: str, upn: str | None, row: Sequence[Any], **caller: Any) -> FirstLook:
    held, blocked, recorded, deck, licenses = row[:_LOOK_COLUMNS]
    seen = {label: int(value) for (label, _), value in zip(_SEEN_IN, (held, blocked, recorded), strict=True)
            if value is not None}
    return FirstLook(call_id, upn, seen, deck, int(licenses) if licenses is not None else None, **caller)
