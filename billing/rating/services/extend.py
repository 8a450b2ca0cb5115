"""POST /api/v1/calls/{callId}/extend: the next slice of a call in progress (spend control, billing/spend/calls.py).

A call paid from credits holds one slice at a time (SPEND_SLICE_MINUTES, or the tenant's calling policy); before
the slice runs out the platform asks for the next. The answer is the authorize answer: allowed with the new maximum
(counted from the call's start), or refused with the reason and the time the call must end (what was granted so
far). The same lock order as authorize: the credit account, then the call's authorization.
"""
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from billing.credits import lock_objects as credit_locks
from billing.credits.services import credits_available
from billing.credits.services.reservation_slices import credits_reserve_more
from billing.spend import calls as spend_calls
from core import sql

from .. import lock_objects
from ..callinput import clean_call_id
from ..charging import affordable_seconds, charge_for
from ..exceptions import CallConflict, UnknownCall
from ..models import BlockReason, CallAuthorization
from ..records import HeldRate
from ..rules import call_limits

MAX_CALL_LENGTH = "max_call_length"
REASONS = {
    MAX_CALL_LENGTH: "The call reached the longest call allowed",
    BlockReason.SPEND_LIMIT: BlockReason.SPEND_LIMIT.label,
    BlockReason.INSUFFICIENT_CREDITS: BlockReason.INSUFFICIENT_CREDITS.label,
    BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE: BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE.label,
}


@dataclass(frozen=True)
class Extension:
    call_id: str
    allowed: bool
    max_duration_seconds: int  # from the call's start: the new maximum, or what was granted when refused
    capability: str
    ends_at: datetime.datetime  # start + max_duration_seconds: when the call must end unless extended again
    expires_at: datetime.datetime
    reason: str | None = None

    @property
    def reason_message(self) -> str:
        return REASONS.get(self.reason, "") if self.reason else ""


def _answer(authorization: CallAuthorization, *, allowed: bool, reason: str | None = None) -> Extension:
    return Extension(authorization.call_id, allowed, authorization.max_duration_seconds, authorization.capability,
                     ends_at=authorization.start_at + datetime.timedelta(seconds=authorization.max_duration_seconds),
                     expires_at=authorization.expires_at, reason=reason)


def call_extend(*, tenant: Tenant, call_id: str, now: datetime.datetime | None = None) -> Extension:
    """Grants the call one more slice if the balance and the user's limit allow; returns an Extension.

    Raises UnknownCall for a call id never authorized, CallConflict when it was completed or its hold expired.
    """
    now = now or timezone.now()
    call_id = clean_call_id(call_id)
    if lock_objects.call_authorization(tenant=tenant, call_id=call_id) is None:
        raise UnknownCall(f"No call '{call_id}' was authorized for this organization.")
    limits = call_limits()
    with transaction.atomic(durable=True):
        credit_locks.lock_credit_account(tenant=tenant)
        authorization = lock_objects.call_authorization_for_update(tenant=tenant, call_id=call_id)
        if authorization.status == CallAuthorization.Status.COMPLETED:
            raise CallConflict(f"Call {call_id} has been completed; a finished call cannot be extended.")
        if authorization.status == CallAuthorization.Status.EXPIRED or authorization.expires_at <= now:
            raise CallConflict(f"The authorization of call {call_id} expired at "
                               f"{authorization.expires_at:%Y-%m-%d %H:%M:%S} UTC; start a new call.")
        room = limits.max_call_seconds - authorization.max_duration_seconds
        rate_json = authorization.details.get("rate")
        if room <= 0 or rate_json is None:  # free calls hold the longest call from the start
            return _answer(authorization, allowed=False, reason=MAX_CALL_LENGTH)
        if not authorization.details.get("credits", authorization.credit_amount_reserved > 0):
            return _answer(authorization, allowed=False, reason=BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE)
        rate = HeldRate.from_json(rate_json)
        pool_seconds = authorization.pool_minutes_held * 60
        credit_seconds = max(0, authorization.max_duration_seconds - pool_seconds)
        held = authorization.credit_amount_reserved
        allowance = spend_calls.credit_allowance(
            tenant=tenant, policy=spend_calls.policy_of(tenant=tenant, user_id=authorization.user_id),
            user_id=authorization.user_id, left_seconds=room, available=credits_available(tenant=tenant, now=now),
            at=authorization.start_at)
        granted = affordable_seconds(rate=rate, budget=held + allowance.budget,
                                     limit_seconds=credit_seconds + allowance.seconds)
        if granted <= credit_seconds:
            reason = BlockReason.SPEND_LIMIT if allowance.spend_limited else BlockReason.INSUFFICIENT_CREDITS
            if allowance.spend_limited:
                spend_calls.spend_limit_refused(tenant=tenant, user_id=authorization.user_id, allowance=allowance,
                                                at=authorization.start_at)
            return _answer(authorization, allowed=False, reason=reason)
        reserve = charge_for(rate=rate, duration_seconds=granted).charge.amount
        max_seconds = pool_seconds + granted
        expires_at = max(authorization.expires_at, authorization.start_at + datetime.timedelta(
            seconds=max_seconds + limits.authorization_grace_seconds))
        if reserve > held:
            credits_reserve_more(tenant=tenant, call_id=call_id, amount=reserve - held, expires_at=expires_at, now=now)
        authorization.credit_amount_reserved = max(reserve, held)
        authorization.max_duration_seconds = max_seconds
        authorization.expires_at = expires_at
        authorization.details = {**authorization.details, "spend_limit": spend_calls.limit_note(allowance)}
        sql.update(authorization, ["credit_amount_reserved", "max_duration_seconds", "expires_at", "details"])
        return _answer(authorization, allowed=True)
