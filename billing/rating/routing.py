"""Which rule pays for a call (PRODUCT.md): free, a minute pool then credits, credits only, or blocked and why.

Pure: it reads no database. The services give it what they looked up (the caller's plans, the numbers) and
then apply the answer to the pool's and the balance's state under their locks.
"""
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from billing.credits.models import LedgerEntry

from .models import BlockAction, BlockReason, CallType, Capability, MinutePool, TenantPhoneNumber
from .numbers import NumberType, PhoneNumber
from .rules import (
    AUDIO_CONFERENCING,
    CALLING_PLANS_BY_PRECEDENCE,
    COMMUNICATIONS_CREDITS,
    PAY_AS_YOU_GO_PLANS,
    POOL_CAPABILITY,
    TEAMS_PHONE,
    is_domestic,
    pool_country,
    zone_a_countries,
)

USER_OUTBOUND = frozenset({CallType.USER_OUT, CallType.USER_OUT_CONF, CallType.USER_OUT_TRANSFER,
                           CallType.USER_OUT_FORWARDING})
SERVICE_INBOUND = frozenset({CallType.CONF_IN, CallType.UNASSIGNED_IN})
# Calls made by a person of the directory (the caller, or the meeting organiser for dial-out).
USER_CALL_TYPES = USER_OUTBOUND | {CallType.CONF_OUT, CallType.EMERGENCY_OUT}


class PoolRef(NamedTuple):
    """Which minute pool of the month pays first; `user_id` only for plans that are not pooled.

    A tuple: the import keys its pools by (month, PoolRef) for every call, and a tuple hashes in C.
    """

    kind: str
    plan: str
    country: str = ""
    user_id: object = None


@dataclass(frozen=True, slots=True)
class Route:
    capability: str = Capability.FREECALL  # what paid when no credits did
    free: bool = False  # nothing to pay: no rate, no pool, no credits
    pool: PoolRef | None = None
    credits: bool = False  # Communications Credits may pay what the pool does not
    credit_kind: str = LedgerEntry.Kind.CALL_CHARGE
    # Why the call is refused when it needs credits and the balance does not cover one increment,
    # or (credits not allowed) when the pool has nothing left.
    refusal: str = BlockReason.INSUFFICIENT_CREDITS
    blocked: str | None = None  # refused whatever the balance
    action: str = BlockAction.OUTBOUND_BLOCKED

    @property
    def is_blocked(self) -> bool:
        return self.blocked is not None


FREE = Route(free=True)
RATED_CALL_TYPES = USER_OUTBOUND | SERVICE_INBOUND | {CallType.CONF_OUT}


def calling_plan(plans: Collection[str]) -> str | None:
    """The calling plan that serves a user holding the service plans `plans`, or None."""
    return next((plan for plan in CALLING_PLANS_BY_PRECEDENCE if plan in plans), None)


def route_call(*, call_type: str, plans: Collection[str] = frozenset(), home_country: str = "",
               destination: PhoneNumber | None = None, number_type: str | None = None, service_number_kind: str = "",
               user_id: object = None, not_pooled: Collection[str] = frozenset({"MCOPSTN8"})) -> Route:
    """The Route of one call.

    `plans`: service plans of the calling user (the organiser for conf_out); `home_country`: the user's usage
    location (the tenant's country when the user has none); `destination`: the parsed number called (for
    inbound calls the tenant's number that was called); `number_type`: what the rate deck says the destination
    is (the deck is the operator's word on premium and shared-cost ranges), else the number's own type;
    `service_number_kind`: the TenantPhoneNumber kind of that number for inbound calls; `not_pooled`: calling
    plans whose minutes belong to each user alone.
    """
    if call_type == CallType.EMERGENCY_OUT:
        return FREE  # always allowed, always free
    if call_type == CallType.USER_IN:
        plan = calling_plan(plans)
        if plan in POOL_CAPABILITY:
            capability = POOL_CAPABILITY[plan]
        else:
            capability = Capability.MCOEV if TEAMS_PHONE in plans else Capability.FREECALL
        return Route(free=True, capability=capability)  # incoming minutes are unlimited
    if call_type in SERVICE_INBOUND:
        if service_number_kind == TenantPhoneNumber.Kind.TOLL_FREE:
            return Route(credits=True, credit_kind=LedgerEntry.Kind.TOLL_FREE_CHARGE, capability=Capability.MCOPSTNPP,
                         action=BlockAction.INBOUND_NOT_ANSWERED)
        return FREE
    assert destination is not None, "an outbound call has a destination"
    number_type = number_type or destination.number_type
    if call_type == CallType.CONF_OUT:
        return _route_dial_out(plans, destination.country, number_type)
    if call_type in USER_OUTBOUND:
        return _route_user_outbound(plans, home_country, destination.country, number_type, user_id, not_pooled)
    raise ValueError(f"{call_type!r} is not a call type")


def _route_dial_out(plans: Collection[str], country: str, number_type: str) -> Route:
    action = BlockAction.DIAL_OUT_BLOCKED
    if number_type == NumberType.PREMIUM:
        return Route(blocked=BlockReason.PREMIUM_DESTINATION, action=action)
    if AUDIO_CONFERENCING not in plans:
        return Route(blocked=BlockReason.NO_AUDIO_CONFERENCING, action=action)
    if number_type == NumberType.TOLL_FREE:
        return FREE
    credits = COMMUNICATIONS_CREDITS in plans
    if country in zone_a_countries():
        return Route(pool=PoolRef(MinutePool.Kind.CONFERENCING, AUDIO_CONFERENCING), capability=Capability.MCOMEETADD,
                     credits=credits, refusal=_no_credits_reason(credits), action=action)
    if not credits:
        return Route(blocked=BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE, action=action)
    return Route(credits=True, capability=Capability.MCOPSTNPP, action=action)


def _route_user_outbound(plans: Collection[str], home_country: str, country: str, number_type: str, user_id: object,
                         not_pooled: Collection[str]) -> Route:
    if number_type == NumberType.PREMIUM:
        return Route(blocked=BlockReason.PREMIUM_DESTINATION)
    if TEAMS_PHONE not in plans:
        return Route(blocked=BlockReason.NO_TEAMS_PHONE)
    plan = calling_plan(plans)
    if plan is None:
        return Route(blocked=BlockReason.NO_CALLING_PLAN)
    if number_type == NumberType.TOLL_FREE:
        return FREE
    credits = COMMUNICATIONS_CREDITS in plans
    if plan in PAY_AS_YOU_GO_PLANS:
        if not credits:
            return Route(blocked=BlockReason.PAY_AS_YOU_GO_UNFUNDED)
        return Route(credits=True, capability=Capability.MCOPSTNPP, refusal=BlockReason.PAY_AS_YOU_GO_UNFUNDED)
    pool = None
    if is_domestic(country, home_country):
        # Shared-cost numbers are outside every plan but payable from credits.
        if number_type != NumberType.SHARED_COST:
            if plan in not_pooled:
                pool = PoolRef(MinutePool.Kind.PER_USER, plan, pool_country(home_country), user_id)
            else:
                pool = PoolRef(MinutePool.Kind.DOMESTIC, plan, pool_country(home_country))
    elif plan == "MCOPSTN2":
        pool = PoolRef(MinutePool.Kind.INTERNATIONAL, plan, pool_country(home_country))
    if pool is None:
        if not credits:
            return Route(blocked=BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE)
        return Route(credits=True, capability=Capability.MCOPSTNPP)
    return Route(pool=pool, capability=POOL_CAPABILITY[plan], credits=credits, refusal=_no_credits_reason(credits))


def _no_credits_reason(credits: bool) -> str:
    return BlockReason.INSUFFICIENT_CREDITS if credits else BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE
