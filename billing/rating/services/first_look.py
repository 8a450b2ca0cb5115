"""What every authorization reads first, in one statement (plain SQL: core/sql.py).

Where the call id was seen before (held, blocked or recorded), the rate decks' generation token (lookup.RateCache)
and the tenant's licenses version (pools). An outbound call that names its caller reads, in the same statement, the
caller with their own number and plans (parties.person_parts) and the caller's calling policy
(billing.spend.limits.policy_parts): one round trip instead of three. Each module keeps the columns it owns and
reads its own values; this module only joins them.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError

from accounts.models import Tenant
from billing.spend import calls as spend_calls
from billing.spend.calls import UserId
from billing.spend.limits import POLICY_COLUMNS, CallPolicy, policy_params, policy_parts
from core import sql

from ..models import BlockedCall, CallAuthorization, CallRecord, RateDeckGeneration
from ..parties import PERSON_COLUMNS, LiveDirectory, clean_upn, person_params, person_parts
from ..routing import USER_CALL_TYPES

_SEEN_IN = (("held", CallAuthorization), ("blocked", BlockedCall), ("recorded", CallRecord))


def _select() -> str:
    seen = [f"(SELECT {sql.column(model, 'id')} FROM {sql.table(model)} WHERE {sql.column(model, 'tenant')} = %s "
            f"AND {sql.column(model, 'call_id')} = %s LIMIT 1)" for _, model in _SEEN_IN]
    deck = (f"(SELECT CAST({sql.column(RateDeckGeneration, 'token')} AS text) FROM {sql.table(RateDeckGeneration)} "
            f"WHERE {sql.column(RateDeckGeneration, 'id')} = %s)")
    licenses = (f"(SELECT {sql.column(Tenant, 'licenses_version')} FROM {sql.table(Tenant)} "
                f"WHERE {sql.column(Tenant, 'id')} = %s)")
    return ", ".join([*seen, deck, licenses])


def _caller_sql() -> str:
    person_select, person_joins, user_id = person_parts()
    policy_select, policy_joins = policy_parts(user_id)
    return (f"SELECT {_select()}, {person_select}, {policy_select} FROM (SELECT 1 AS one) AS o "
            f"{person_joins} {policy_joins}")


_LOOK = sql.Statement(lambda: f"SELECT {_select()}")
_LOOK_WITH_CALLER = sql.Statement(_caller_sql)
_LOOK_COLUMNS = len(_SEEN_IN) + 2


@dataclass(frozen=True)
class FirstLook:
    seen: dict[str, int]  # "held" / "blocked" / "recorded" -> the row's id
    deck_generation: str | None
    licenses_version: int | None
    directory: LiveDirectory | None = None  # knows the caller, when the caller was read along
    caller_policy: tuple[UserId, CallPolicy] | None = None  # (the caller's id, their calling policy), if they exist

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


def first_look(tenant: Tenant, call_id: str, *, call_type: str = "", user_principal_name: object = "") -> FirstLook:
    tenant_id = sql.db_value(CallAuthorization, "tenant", tenant.pk)
    params = [*[tenant_id, call_id] * len(_SEEN_IN), RateDeckGeneration.SINGLETON_ID, sql.db_value(Tenant, "id", tenant.pk)]
    upn = _caller_upn(call_type, user_principal_name)
    if upn is None:
        return _look(_LOOK.rows(params)[0])
    rows = _LOOK_WITH_CALLER.rows([*params, *person_params(tenant, upn), *policy_params(tenant)])
    directory = LiveDirectory(tenant)
    directory.remember(upn, [row[_LOOK_COLUMNS:_LOOK_COLUMNS + PERSON_COLUMNS] for row in rows])
    person = directory.person(upn)
    if person is None:
        return _look(rows[0], directory=directory)
    user_id = cast(UserId, person.pk)  # parties.Person keeps it untyped
    policy = spend_calls.policy_read(rows[0][_LOOK_COLUMNS + PERSON_COLUMNS:_LOOK_COLUMNS + PERSON_COLUMNS + POLICY_COLUMNS],
                                     user_id=user_id)
    return _look(rows[0], directory=directory, caller_policy=(user_id, policy))


def _look(row: Sequence[Any], **caller: Any) -> FirstLook:
    held, blocked, recorded, deck, licenses = row[:_LOOK_COLUMNS]
    seen = {label: int(value) for (label, _), value in zip(_SEEN_IN, (held, blocked, recorded), strict=True)
            if value is not None}
    return FirstLook(seen, deck, int(licenses) if licenses is not None else None, **caller)
