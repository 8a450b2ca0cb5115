"""Real-time calls: authorize (decide, hold pool minutes and credit), complete (rate and charge), expire holds.

Lock order, shared with Communications Credits: the tenant's credit account (billing.credits.lock_objects), then the
call's authorization, then minute pools, then the ledger's reservations and lots (inside credits_reserve and
credits_debit). Holding the account lock serialises every call of a tenant that may spend credit, so concurrent
calls can never together promise more credit than there is; the pool's lock does the same for its minutes.
A call its pool pays in full never touches credit and skips the account lock (_hold_from_pool_alone, and
call_complete of a call that reserved nothing), so a tenant's calling-plan calls don't queue behind paid ones.
The statements run as plain SQL (core/sql.py): this is the API the telephony platform calls for every call.
"""
import datetime
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Tenant
from billing.credits import lock_objects as credit_locks
from billing.credits.decisions import AccountState
from billing.credits.models import LedgerEntry
from billing.credits.services import (
    credits_available,
    credits_debit,
    credits_locked_state,
    credits_release,
    credits_reserve,
)
from billing.spend import calls as spend_calls
from billing.spend.limits import CallPolicy
from core import sql

from .. import lock_objects
from ..callinput import clean_call_id, clean_call_type, clean_datetime, clean_duration, clean_start, duration_between
from ..charging import FREE_CALL, CallSplit, affordable_seconds, charge_for, pool_minutes_for, split_call
from ..exceptions import CallConflict, UnknownCall
from ..lookup import RateMatch, rate_cache
from ..models import (
    BlockedCall,
    BlockReason,
    CallAuthorization,
    CallRecord,
    CallSource,
    Capability,
    MinutePool,
    MinutePoolUsage,
)
from ..parties import CallParty, LiveDirectory, call_party
from ..pools import not_pooled_plans, pool_capacity, pool_month, pool_notify_thresholds
from ..records import HeldRate, call_details, new_record, rate_ids, record_values
from ..routing import RATED_CALL_TYPES, SERVICE_INBOUND, PoolRef, Route, calling_plan, route_call
from ..rules import CallLimits, call_limits
from .first_look import FirstLook, first_look

ZERO = Decimal("0.00")
# What an authorization is created with, whatever decides it: the call, its parties, its rate (CallAuthorization fields).
Held: TypeAlias = dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """The answer to "may this call go ahead, for how long?"."""

    call_id: str
    allowed: bool
    max_duration_seconds: int
    capability: str | None
    reason: str | None = None  # a BlockReason when blocked
    expires_at: datetime.datetime | None = None

    @property
    def reason_message(self) -> str:
        return BlockReason(self.reason).label if self.reason else ""


def _decision_of(authorization: CallAuthorization) -> Decision:
    return Decision(authorization.call_id, True, authorization.max_duration_seconds, authorization.capability,
                    expires_at=authorization.expires_at)


def _earlier_decision(look: FirstLook, call_id: str) -> Decision | None:
    """The answer given the first time this call id was authorized; CallConflict if it was imported instead."""
    if "held" in look.seen:
        return _decision_of(CallAuthorization.objects.get(pk=look.seen["held"]))
    if "blocked" in look.seen:
        return Decision(call_id, False, 0, None, reason=BlockedCall.objects.get(pk=look.seen["blocked"]).reason)
    if "recorded" in look.seen:
        raise CallConflict(f"Call {call_id} has already been recorded; a finished call cannot be authorized.")
    return None


def _clean_conference_id(value: object) -> str:
    text = str(value or "").strip()
    if len(text) > 128:
        raise ValidationError({"conference_id": "The conference id is longer than 128 characters."})
    return text


def call_authorize(*, tenant: Tenant, call_id: object, call_type: object, callee_number: object, start_at: object,
                   user_principal_name: object = "", caller_number: object = "", conference_id: object = "",
                   now: datetime.datetime | None = None, look: FirstLook | None = None) -> Decision:
    """Decides whether a call may start and for how long, and holds what it may spend.

    Outbound calls (user_out*, conf_out, emergency_out) name the user (the organiser for conf_out) by
    `user_principal_name`; inbound calls name the tenant's number that was called in `callee_number`.
    Idempotent by call id: asking again returns the first answer. Returns a Decision; a blocked call is
    recorded for the blocked users report. Raises ValidationError naming the field for bad input (nothing
    is recorded) and CallConflict when the call id belongs to a call already recorded. `look`: the first look as the
    request read it already (with its token: call_reads.py), used if read for this call id and caller.
    """
    now = now or timezone.now()
    call_id = clean_call_id(call_id)
    call_type = clean_call_type(call_type)
    start_at = clean_start(start_at, now=now)
    conference_id = _clean_conference_id(conference_id)
    if look is None or not look.read_for(call_id, call_type, user_principal_name):
        look = first_look(tenant, call_id, call_type=call_type, user_principal_name=user_principal_name)
    earlier = _earlier_decision(look, call_id)
    if earlier is not None:
        return earlier
    directory = look.directory or LiveDirectory(tenant)
    party = call_party(directory=directory, call_type=call_type, user_principal_name=user_principal_name,
                       callee_number=callee_number, caller_number=caller_number)
    plan = calling_plan(party.plans)
    rate = None
    if call_type in RATED_CALL_TYPES:
        rate = rate_cache.book(generation=look.deck_generation).rate_for(tenant=tenant, digits=party.callee.digits,
                                                                         at=start_at)
    route = route_call(call_type=call_type, plans=party.plans, home_country=party.home_country, destination=party.callee,
                       number_type=rate.number_type if rate is not None else None,
                       service_number_kind=party.tenant_number.kind if party.tenant_number else "",
                       user_id=party.user.pk if party.user else None,
                       not_pooled=not_pooled_plans([plan]) if plan else frozenset())
    if route.free:
        rate = None
    elif not route.is_blocked and rate is None:
        route = Route(blocked=BlockReason.NO_RATE, action=route.action)
    held = {"tenant": tenant, "call_id": call_id, "call_type": call_type, "user_id": party.user.pk if party.user else None,
            "service_number_id": party.tenant_number.pk if call_type in SERVICE_INBOUND else None,
            "conference_id": conference_id, "caller_number": party.caller.e164 if party.caller else "",
            "callee_number": party.callee.e164 or party.callee.international, "start_at": start_at,
            "authorized_at": now, "details": {**call_details(tenant=tenant, party=party, rate=rate),
                                              "rate": HeldRate.of(rate).as_json() if rate is not None else None,
                                              "credits": bool(route.credits)}}  # may extend pay from credits
    if route.blocked is not None:
        return _block(tenant, party, held, route.blocked, route.action, now)
    policy = look.policy_for(tenant, held["user_id"])
    for pool_alone in (True, False):
        try:
            return _decide(tenant, party, held, route, rate, now, pool_alone=pool_alone, policy=policy,
                           licenses_version=look.licenses_version)
        except _PoolShort:
            continue  # nothing was written, and any lock the pool's UPDATE took is released
        except _SameCallId:
            first = _earlier_decision(first_look(tenant, call_id), call_id)
            if first is None:
                raise RuntimeError(f"Call {call_id} was refused as a duplicate, but no first answer is found.") from None
            return first
    raise AssertionError("the second attempt never takes the pool-alone path")


def _decide(tenant: Tenant, party: CallParty, held: Held, route: Route, rate: RateMatch | None, now: datetime.datetime,
            *, pool_alone: bool, policy: CallPolicy, licenses_version: int | None) -> Decision:
    """Holds the call, or blocks it by its calling policy. A transaction is opened only where one is needed: a
    refusal, a free call or a call its pool pays in full writes one row in one statement (or its own short
    transaction); a paid call holds the credit account's lock. A concurrent-calls limit locks the caller's row
    from the check to the commit (billing/spend/destinations.py), so with one the whole decision is one
    transaction, as it always was."""
    limits = call_limits()
    call_id = held["call_id"]
    with transaction.atomic(durable=True) if policy.max_concurrent_calls else nullcontext():
        # The calling policy (billing/spend): the destination policy's refusal, the slice and the user's spend limit.
        rules = spend_calls.call_rules(tenant=tenant, user_id=held["user_id"], call_type=held["call_type"], rate=rate,
                                       policy=policy)
        if rules.refusal is not None:
            return _block(tenant, party, held, rules.refusal, route.action, now)
        if route.free:
            expires_at = _hold_ends(now, limits.max_call_seconds, limits)
            return _hold_free(held, route, limits.max_call_seconds, expires_at)
        if route.pool is not None and pool_alone:
            return _hold_from_pool_alone(tenant, party, held, route, rate, now, limits, licenses_version)
        with transaction.atomic(savepoint=False):
            # The one locked read of the credit account in this request: its state goes to billing's decisions below.
            credit = credits_locked_state(tenant=tenant, call_id=call_id, now=now)
            # A concurrent request for the same call id waited for the lock above: answer it from the first.
            first = lock_objects.call_authorization(tenant=tenant, call_id=call_id)
            if first is not None:
                return _decision_of(first)
            return _hold_paid(tenant, party, held, route, rate, now, limits, credit, rules.policy, licenses_version)


def _hold_ends(now: datetime.datetime, max_seconds: int, limits: CallLimits) -> datetime.datetime:
    """When an authorization of `max_seconds` stops holding if it is never completed."""
    return now + datetime.timedelta(seconds=max_seconds + limits.authorization_grace_seconds)


def _block(tenant: Tenant, party: CallParty, held: Held, reason: str, action: str, now: datetime.datetime) -> Decision:
    user = party.user
    try:
        with transaction.atomic():
            BlockedCall.objects.create(
                tenant=tenant, call_id=held["call_id"], call_type=held["call_type"], user_id=held["user_id"],
                user_principal_name=user.upn if user else "", user_display_name=user.display_name if user else "",
                phone_number=party.tenant_number_e164, callee_number=held["callee_number"], reason=reason, action=action,
                blocked_at=held["start_at"] if held["start_at"] < now else now)
    except IntegrityError:  # the same call id blocked by a concurrent request: one row is enough
        pass
    return Decision(held["call_id"], False, 0, None, reason=reason)


def _hold_free(held: Held, route: Route, max_seconds: int, expires_at: datetime.datetime) -> Decision:
    try:
        with transaction.atomic():
            authorization = CallAuthorization.objects.create(capability=route.capability, max_duration_seconds=max_seconds,
                                                             expires_at=expires_at, **held)
    except IntegrityError:
        return _decision_of(CallAuthorization.objects.get(tenant=held["tenant"], call_id=held["call_id"]))
    return _decision_of(authorization)


def _hold_paid(tenant: Tenant, party: CallParty, held: Held, route: Route, rate: RateMatch | None,
               now: datetime.datetime, limits: CallLimits, credit: AccountState, policy: CallPolicy,
               licenses_version: int | None) -> Decision:
    """Holds pool minutes and credit for a call; `credit` is the credit account's state read under its lock,
    `policy` the call's calling policy (billing/spend)."""
    assert rate is not None, "a call that pool minutes or credits pay is always rated (route_call)"
    limit = limits.max_call_seconds
    pool, pool_hold = None, 0
    if route.pool is not None:
        pool = lock_objects.minute_pool_for_update(tenant=tenant, month=pool_month(held["start_at"]), ref=route.pool)
        _refresh_capacity(tenant, pool, route.pool, party.plans, now, licenses_version)
        pool_hold = min(pool.available_minutes, pool_minutes_for(limit))
    credit_seconds, reserve, allowance = 0, ZERO, None
    left = limit - pool_hold * 60
    if left > 0 and route.credits:
        # Spend control (billing/spend/calls.py): one slice at most, within the user's monthly limit.
        allowance = spend_calls.credit_allowance(tenant=tenant, policy=policy, user_id=held["user_id"],
                                                 left_seconds=left, available=credits_available(tenant=tenant, state=credit),
                                                 at=held["start_at"])
        held["details"]["spend_limit"] = spend_calls.limit_note(allowance)
        credit_seconds = affordable_seconds(rate=rate, budget=allowance.budget, limit_seconds=allowance.seconds)
        if credit_seconds:
            reserve = charge_for(rate=rate, duration_seconds=credit_seconds).charge.amount
    max_seconds = min(limit, pool_hold * 60 + credit_seconds)
    if max_seconds == 0:
        reason = route.refusal if route.pool is None or route.credits else BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE
        if allowance is not None and allowance.spend_limited:
            reason = BlockReason.SPEND_LIMIT
            spend_calls.spend_limit_refused(tenant=tenant, user_id=held["user_id"], allowance=allowance,
                                            at=held["start_at"])
        return _block(tenant, party, held, reason, route.action, now)
    expires_at = _hold_ends(now, max_seconds, limits)
    if reserve > 0:
        credits_reserve(tenant=tenant, amount=reserve, call_id=held["call_id"], expires_at=expires_at, savepoint=False,
                        state=credit)
    if pool_hold:
        pool.held_minutes += pool_hold  # type: ignore[union-attr]
        pool.updated_at = now  # type: ignore[union-attr]
        sql.update(pool, ["held_minutes", "capacity_minutes", "updated_at"])
    capability = route.capability if pool_hold else Capability.MCOPSTNPP
    rate_id, _ = rate_ids(rate)
    authorization = sql.insert(CallAuthorization(
        capability=capability, rate_id=rate_id, pool=pool, pool_minutes_held=pool_hold, credit_amount_reserved=reserve,
        max_duration_seconds=max_seconds, expires_at=expires_at, **held))
    return _decision_of(authorization)


def _pool_hold_sql(per_user: bool) -> str:
    who = f"{sql.column(MinutePool, 'user')} = %s" if per_user else (
        f"{sql.column(MinutePool, 'user')} IS NULL AND {sql.column(MinutePool, 'country')} = %s")
    return (f"UPDATE {sql.table(MinutePool)} SET {sql.column(MinutePool, 'held_minutes')} = "
            f"{sql.column(MinutePool, 'held_minutes')} + %s, {sql.column(MinutePool, 'capacity_minutes')} = %s, "
            f"{sql.column(MinutePool, 'updated_at')} = %s "
            f"WHERE {sql.column(MinutePool, 'tenant')} = %s AND {sql.column(MinutePool, 'month')} = %s "
            f"AND {sql.column(MinutePool, 'kind')} = %s AND {sql.column(MinutePool, 'plan')} = %s AND {who} "
            f"AND %s - {sql.column(MinutePool, 'used_minutes')} - {sql.column(MinutePool, 'held_minutes')} >= %s "
            f"RETURNING {sql.column(MinutePool, 'id')}")


_POOL_HOLD = {False: sql.Statement(lambda: _pool_hold_sql(False)), True: sql.Statement(lambda: _pool_hold_sql(True))}


class _SameCallId(Exception):
    """A concurrent request authorized the same call id first (its unique key refused this one)."""


class _PoolShort(Exception):
    """The pool alone can't hold the call's minutes: try again under the account lock, in a new transaction."""


def _hold_from_pool_alone(tenant: Tenant, party: CallParty, held: Held, route: Route, rate: RateMatch | None,
                          now: datetime.datetime, limits: CallLimits, licenses_version: int | None) -> Decision:
    """Holds a call whose pool has minutes for the longest call allowed: no credit is needed, so no account lock.

    Most calls of a calling plan end here. A conditional UPDATE takes the minutes only if the pool has them (it
    waits only for other writers of the same pool) and the authorization is inserted with them: on PostgreSQL in
    one statement (WITH ... UPDATE ... RETURNING, INSERT ... SELECT), which commits or fails whole and needs no
    transaction around it; elsewhere in two, in a transaction of their own. When the UPDATE changes nothing (the
    pool is short, or not made yet for the month) it raises _PoolShort with nothing written (PostgreSQL keeps the
    row locked when an UPDATE waited for it and then found its condition false: the statement's own commit, or
    the enclosing transaction's rollback, releases it) and the caller starts again with the account lock first,
    in the usual order. A concurrent request for the same call id loses on the authorization's unique key:
    _SameCallId, with nothing of this request written, after which the first answer is given.
    """
    ref = route.pool
    assert ref is not None, "the caller checked that a pool pays first"
    capacity = pool_capacity(tenant=tenant, ref=ref, user_plans=party.plans,  # the licenses now
                             licenses_version=licenses_version)
    pool_hold = pool_minutes_for(limits.max_call_seconds)
    per_user = ref.user_id is not None
    take = [pool_hold, capacity, sql.db_value(MinutePool, "updated_at", now), sql.db_value(MinutePool, "tenant", tenant.pk),
            sql.db_value(MinutePool, "month", pool_month(held["start_at"])), ref.kind, ref.plan,
            sql.db_value(MinutePool, "user", ref.user_id) if per_user else ref.country, capacity, pool_hold]
    expires_at = _hold_ends(now, limits.max_call_seconds, limits)
    rate_id, _ = rate_ids(rate)
    authorization = CallAuthorization(
        capability=route.capability, rate_id=rate_id, pool_minutes_held=pool_hold, credit_amount_reserved=ZERO,
        max_duration_seconds=limits.max_call_seconds, expires_at=expires_at, **held)
    try:
        if connection.vendor == "postgresql":
            columns, values = sql.insert_parts(authorization)
            selected = ", ".join("p.id" if attname == "pool_id" else "%s" for _, attname in columns)
            found = sql.rows(f"WITH p AS ({_POOL_HOLD[per_user].sql}) INSERT INTO {sql.table(CallAuthorization)} "
                             f"({', '.join(column for column, _ in columns)}) SELECT {selected} FROM p "
                             f"RETURNING {sql.column(CallAuthorization, 'id')}, {sql.column(CallAuthorization, 'pool')}",
                             [*take, *(value for value, (_, attname) in zip(values, columns, strict=True)
                                       if attname != "pool_id")])
            if not found:
                raise _PoolShort
            authorization.pool_id = found[0][1]
            sql.inserted(authorization, found[0][0])
        else:
            with transaction.atomic():
                found = _POOL_HOLD[per_user].rows(take)
                if not found:
                    raise _PoolShort
                authorization.pool_id = found[0][0]
                sql.insert(authorization)
    except IntegrityError:
        raise _SameCallId from None
    return _decision_of(authorization)


def _refresh_capacity(tenant: Tenant, pool: MinutePool, ref: PoolRef, user_plans: frozenset[str], now: datetime.datetime,
                      licenses_version: int | None) -> None:
    """Capacity follows the licenses at the time of the call."""
    pool.capacity_minutes = pool_capacity(tenant=tenant, ref=ref, user_plans=user_plans,
                                          licenses_version=licenses_version)
    pool.updated_at = now


def call_complete(*, tenant: Tenant, call_id: object, duration_seconds: object = None, end_at: object = None,
                  now: datetime.datetime | None = None,
                  read: lock_objects.AuthorizationRead | None = None) -> CallRecord:
    """Rates a finished call: pool minutes first, the rest charged to credits; returns its CallRecord.

    Give `duration_seconds` or `end_at`. A call that ran past its authorized maximum is charged for the
    maximum (the platform was told to end it there); the record keeps the real duration. Idempotent:
    completing again returns the first record. Raises UnknownCall for a call id never authorized,
    CallConflict when its hold expired, ValidationError naming a bad duration or end time. `read`: the call's
    authorization as the request read it already (with its token: call_reads.py), used if read for this call id.
    """
    now = now or timezone.now()
    call_id = clean_call_id(call_id)
    # not locked: a first look
    seen = (read.authorization if read is not None and read.call_id == call_id
            else lock_objects.call_authorization(tenant=tenant, call_id=call_id))
    if seen is None:
        raise UnknownCall(f"No call '{call_id}' was authorized for this organization.")
    if seen.status == CallAuthorization.Status.COMPLETED:
        return _record(seen.call_record_id)
    if (duration_seconds is None) == (end_at is None or end_at == ""):
        raise ValidationError({"duration_seconds": "Send either the duration in seconds or the end time of the call."})
    # Only a call that reserved credit can be charged (its reservation never changes); the others never touch
    # the credit account.
    if seen.status == CallAuthorization.Status.HELD and seen.credit_amount_reserved <= 0:
        duration, end = _duration_and_end(seen, duration_seconds, end_at)
        record = _settle_without_credit(tenant, seen, duration, end, now)
        if record is not None:
            return record
    with transaction.atomic(durable=True):
        credit = None
        if seen.credit_amount_reserved > 0:  # the one locked read of the credit account in this request
            credit = credits_locked_state(tenant=tenant, call_id=call_id, now=now)
        authorization = lock_objects.call_authorization_for_update(tenant=tenant, call_id=call_id)
        if authorization is None:
            raise UnknownCall(f"No call '{call_id}' was authorized for this organization.")
        if authorization.status == CallAuthorization.Status.COMPLETED:
            return _record(authorization.call_record_id)
        if authorization.status == CallAuthorization.Status.EXPIRED:
            raise CallConflict(f"The authorization of call {call_id} expired at "
                               f"{authorization.expires_at:%Y-%m-%d %H:%M:%S} UTC; nothing was charged.")
        duration, end = _duration_and_end(authorization, duration_seconds, end_at)
        return _settle(tenant, authorization, duration, end, now, credit)


def _record(record_id: int) -> CallRecord:
    record: CallRecord = CallRecord.objects.get(pk=record_id)
    return record


def _duration_and_end(authorization: CallAuthorization, duration_seconds: object,
                      end_at: object) -> tuple[int, datetime.datetime]:
    if duration_seconds is not None:
        duration = clean_duration(duration_seconds)
        return duration, authorization.start_at + datetime.timedelta(seconds=duration)
    end = clean_datetime(end_at, field="end_at")
    return duration_between(authorization.start_at, end), end


def _split_of(authorization: CallAuthorization, duration: int) -> tuple[HeldRate | None, CallSplit]:
    """How the call's seconds are paid: a call that ran past its authorized maximum is charged for the maximum."""
    rate = HeldRate.from_json(authorization.details["rate"]) if authorization.details.get("rate") else None
    if rate is None:  # only free calls are authorized without a rate
        return None, FREE_CALL
    return rate, split_call(rate=rate, duration_seconds=min(duration, authorization.max_duration_seconds),
                            pool_minutes_available=authorization.pool_minutes_held)


def _new_record(tenant: Tenant, authorization: CallAuthorization, *, duration: int, end: datetime.datetime,
                split: CallSplit, rate: HeldRate | None, capability: str, now: datetime.datetime) -> CallRecord:
    record: CallRecord = new_record(record_values(
        tenant_id=tenant.pk, call_id=authorization.call_id, call_type=authorization.call_type,
        user_id=authorization.user_id, details=authorization.details, start_at=authorization.start_at, end_at=end,
        duration_seconds=duration, split=split, capability=capability, pool_id=authorization.pool_id, rate=rate,
        source=CallSource.REALTIME, created_at=now, conference_id=authorization.conference_id))
    return record


class _AuthorizationChanged(Exception):
    """Another request completed the call, or the sweep expired it, since it was read."""


def _pool_release_sql() -> str:
    held, used = sql.column(MinutePool, "held_minutes"), sql.column(MinutePool, "used_minutes")
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"  # SQLite's many-argument max()
    return (f"UPDATE {sql.table(MinutePool)} SET {held} = {greatest}({held} - %s, 0), "
            f"{used} = {used} + %s, {sql.column(MinutePool, 'updated_at')} = %s WHERE {sql.column(MinutePool, 'id')} = %s "
            f"RETURNING {used}, {sql.column(MinutePool, 'capacity_minutes')}, {sql.column(MinutePool, 'notified_80_at')}, "
            f"{sql.column(MinutePool, 'notified_100_at')}")


_POOL_RELEASE = sql.Statement(_pool_release_sql)
def _mark_completed_sql(record_id: str) -> str:
    status = sql.column(CallAuthorization, "status")
    return (f"UPDATE {sql.table(CallAuthorization)} SET {status} = {sql.literal(CallAuthorization.Status.COMPLETED)}, "
            f"{sql.column(CallAuthorization, 'call_record')} = {record_id}, "
            f"{sql.column(CallAuthorization, 'settled_at')} = %s "
            f"WHERE {sql.column(CallAuthorization, 'id')} = %s AND {status} = {sql.literal(CallAuthorization.Status.HELD)}")


_MARK_COMPLETED = sql.Statement(lambda: _mark_completed_sql("%s"))
_MARK_COMPLETED_WITH_I = sql.Statement(lambda: _mark_completed_sql("(SELECT id FROM i)"))


def _settle_without_credit(tenant: Tenant, authorization: CallAuthorization, duration: int, end: datetime.datetime,
                           now: datetime.datetime) -> CallRecord | None:
    """Completes a call that reserved no credit (its pool pays it, or it is free) without the account lock.

    The authorization is marked completed only if it is still held, and only then are its record and pool usage
    written and the pool's minutes moved (else the general path answers: returns None). On PostgreSQL that is
    one statement (_settlement_in_one), which commits or fails whole and needs no transaction around it; elsewhere
    one statement per row in a transaction. The 80%/100% emails are decided with the pool's row locked: on
    PostgreSQL, when the statement reports a threshold crossed, in a short transaction of their own that reads the
    pool again under its lock (pool_notify_thresholds sends each once).
    """
    rate, split = _split_of(authorization, duration)
    if split.credit.charge.amount > 0:
        raise RuntimeError(f"Call {authorization.call_id} costs ${split.credit.charge.amount} but reserved no credit.")
    record = _new_record(tenant, authorization, duration=duration, end=end, split=split, rate=rate,
                         capability=authorization.capability, now=now)
    usage = (MinutePoolUsage(tenant=tenant, pool_id=authorization.pool_id, user_id=authorization.user_id,
                             minutes=split.pool_minutes, used_at=authorization.start_at)
             if split.pool_minutes and authorization.pool_id is not None else None)
    settled_at = sql.db_value(CallAuthorization, "settled_at", now)
    release = ([authorization.pool_minutes_held, split.pool_minutes,
                sql.db_value(MinutePool, "updated_at", now), authorization.pool_id] if authorization.pool_id else None)
    in_one = connection.vendor == "postgresql"
    try:
        with nullcontext() if in_one else transaction.atomic(durable=True):
            if in_one:
                marked, pool_row = _settlement_in_one(record, usage, authorization, settled_at, release)
            else:
                marked, pool_row = _settlement_stepwise(record, usage, authorization, settled_at, release)
            if not marked:
                return None
            if pool_row is not None and split.pool_minutes and _crosses_threshold(*pool_row):
                with transaction.atomic() if in_one else nullcontext():
                    pool = sql.fetch_one(MinutePool, f"{sql.column(MinutePool, 'id')} = %s", [authorization.pool_id],
                                         lock=in_one)
                    pool_notify_thresholds(tenant=tenant, pool=pool, now=now)
    except _AuthorizationChanged:
        return None
    return record


def _crosses_threshold(used: int, capacity: int, notified_80: object, notified_100: object) -> bool:
    """Whether a pool's use has reached 80% or 100% of its capacity without its email sent yet."""
    return capacity > 0 and ((notified_80 is None and used * 100 >= capacity * 80)
                             or (notified_100 is None and used * 100 >= capacity * 100))


def _settlement_stepwise(record: CallRecord, usage: MinutePoolUsage | None, authorization: CallAuthorization,
                         settled_at: object, release: list[object] | None) -> tuple[bool, tuple[Any, ...] | None]:
    """The settlement's writes one statement each, inside the caller's transaction (rolled back when the
    authorization was no longer held): (whether it was still held, the pool's row after the release)."""
    sql.insert(record)
    if usage is not None:
        usage.call_record = record
        sql.insert(usage)
    if _MARK_COMPLETED.execute([record.pk, settled_at, authorization.pk]) != 1:
        raise _AuthorizationChanged
    return True, (_POOL_RELEASE.rows(release)[0] if release is not None else None)


def _settlement_in_one(record: CallRecord, usage: MinutePoolUsage | None, authorization: CallAuthorization,
                       settled_at: object, release: list[object] | None) -> tuple[bool, tuple[Any, ...] | None]:
    """The settlement's writes in one PostgreSQL statement: the authorization marked completed if still held
    (with the record's id, taken from its sequence first), then, each only if it was, the record, its pool usage
    and the pool's minutes. Returns what _settlement_stepwise returns."""
    columns, values = sql.insert_parts(record)
    record_id = sql.column(CallRecord, "id")
    parts = [f"i AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence({sql.literal(CallRecord._meta.db_table)}, "
             "'id')) AS id)",
             f"m AS ({_MARK_COMPLETED_WITH_I.sql} RETURNING {sql.column(CallAuthorization, 'id')})",
             f"r AS (INSERT INTO {sql.table(CallRecord)} ({record_id}, {', '.join(c for c, _ in columns)}) "
             f"SELECT i.id, {', '.join(['%s'] * len(columns))} FROM i, m RETURNING {record_id})"]
    # Constants are literals: psycopg caches the conversion of a statement of at most 50 parameters only.
    params = [settled_at, authorization.pk, *values]
    if usage is not None:
        usage_columns, usage_values = sql.insert_parts(usage)
        selected = ", ".join("r.id" if attname == "call_record_id" else "%s" for _, attname in usage_columns)
        parts.append(f"u AS (INSERT INTO {sql.table(MinutePoolUsage)} ({', '.join(c for c, _ in usage_columns)}) "
                     f"SELECT {selected} FROM r)")
        params += [value for value, (_, attname) in zip(usage_values, usage_columns, strict=True)
                   if attname != "call_record_id"]
    if release is not None:
        parts.append(f"p AS ({_POOL_RELEASE.sql.replace(' RETURNING ', ' AND EXISTS (SELECT 1 FROM m) RETURNING ', 1)})")
        params += release
    row = sql.rows(f"WITH {', '.join(parts)} SELECT (SELECT id FROM r)"
                   + (", p.* FROM (SELECT 1) o LEFT JOIN p ON true" if release is not None else ""), params)[0]
    if row[0] is None:
        return False, None
    sql.inserted(record, row[0])
    return True, (tuple(row[1:]) if release is not None else None)


def _settle(tenant: Tenant, authorization: CallAuthorization, duration: int, end: datetime.datetime,
            now: datetime.datetime, credit: AccountState | None = None) -> CallRecord:
    pool = None
    if authorization.pool_id:
        pool = sql.fetch_one(MinutePool, f"{sql.column(MinutePool, 'id')} = %s", [authorization.pool_id], lock=True)
    rate, split = _split_of(authorization, duration)
    charge = split.credit.charge.amount
    if charge > 0 and authorization.credit_amount_reserved <= 0:
        raise RuntimeError(f"Call {authorization.call_id} costs ${charge} but reserved no credit.")
    kind = (LedgerEntry.Kind.TOLL_FREE_CHARGE if authorization.call_type in SERVICE_INBOUND
            else LedgerEntry.Kind.CALL_CHARGE)
    if charge > 0:
        credits_debit(tenant=tenant, amount=charge, call_id=authorization.call_id, kind=kind, at=now, savepoint=False,
                      memo=f"{authorization.call_type} to {authorization.callee_number}"[:200], state=credit)
    elif authorization.credit_amount_reserved > 0:
        credits_release(tenant=tenant, call_id=authorization.call_id, savepoint=False, state=credit)
    # Credits name a call they paid any part of; otherwise what the authorization expected to pay.
    capability = Capability.MCOPSTNPP if charge > 0 else authorization.capability
    record = sql.insert(_new_record(tenant, authorization, duration=duration, end=end, split=split, rate=rate,
                                    capability=capability, now=now))
    if charge > 0:
        spend_calls.after_credit_charge(tenant=tenant, user_id=authorization.user_id, charge=charge,
                                        at=authorization.start_at, limit=authorization.details.get("spend_limit"))
    if pool is not None:
        pool.held_minutes = max(0, pool.held_minutes - authorization.pool_minutes_held)
        pool.used_minutes += split.pool_minutes
        pool.updated_at = now
        sql.update(pool, ["held_minutes", "used_minutes", "updated_at"])
        if split.pool_minutes:
            sql.insert(MinutePoolUsage(tenant=tenant, pool=pool, call_record=record, user_id=authorization.user_id,
                                       minutes=split.pool_minutes, used_at=authorization.start_at))
            pool_notify_thresholds(tenant=tenant, pool=pool, now=now)
    authorization.status = CallAuthorization.Status.COMPLETED
    authorization.call_record = record
    authorization.settled_at = now
    sql.update(authorization, ["status", "call_record", "settled_at"])
    return record


def call_authorizations_expire(*, now: datetime.datetime | None = None) -> int:
    """Ends the holds of calls never completed: pool minutes and reserved credit go back. Returns how many.

    Each tenant in its own transaction; safe to run twice (only held authorizations past expiry are touched).
    """
    now = now or timezone.now()
    tenant_ids = list(CallAuthorization.objects.filter(status=CallAuthorization.Status.HELD, expires_at__lte=now)
                      .order_by("tenant_id").values_list("tenant_id", flat=True).distinct())
    expired = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids).order_by("pk"):
        with transaction.atomic(durable=True):
            credit_locks.credit_account_for_update(tenant=tenant)
            due = list(CallAuthorization.objects.select_for_update(no_key=True).filter(
                tenant=tenant, status=CallAuthorization.Status.HELD, expires_at__lte=now).order_by("id"))
            pool_ids = sorted({a.pool_id for a in due if a.pool_id and a.pool_minutes_held})
            pools = {p.pk: p for p in MinutePool.objects.select_for_update(no_key=True).filter(pk__in=pool_ids)
                     .order_by("pk")}
            for authorization in due:
                if authorization.pool_id in pools:
                    pool = pools[authorization.pool_id]
                    pool.held_minutes = max(0, pool.held_minutes - authorization.pool_minutes_held)
                if authorization.credit_amount_reserved > 0:
                    credits_release(tenant=tenant, call_id=authorization.call_id)
                authorization.status = CallAuthorization.Status.EXPIRED
                authorization.settled_at = now
            CallAuthorization.objects.bulk_update(due, ["status", "settled_at"])
            for pool in pools.values():
                pool.updated_at = now
            MinutePool.objects.bulk_update(pools.values(), ["held_minutes", "updated_at"])
            expired += len(due)
    return expired

