"""What spend control adds to the call API (billing/rating/services/calls.py and extend.py call these).

At authorize, `call_rules` reads the call's whole policy in one statement and says whether the destination policy
refuses it; `credit_allowance` (authorize and extend) says how much credit and how many seconds a call may hold now:
one slice at most, and no more than the user's room under their monthly limit. After a call's charge,
`after_credit_charge` sends the 80%/100% notices the charge crossed; `after_import_charges` does the same for a batch
of imported calls. All run under the caller's transaction, after the call records are written.
"""
import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models.functions import TruncMonth

from billing.rating.models import CallRecord
from core.money import MoneySum

from .destinations import destination_refusal
from .limits import CallPolicy, call_policy, credit_budget, month_start, policy_from_row
from .month_spend import month_spent, user_limits, user_month_spent
from .notices import spend_limit_notices, spend_limit_notify

if TYPE_CHECKING:
    from accounts.models import Tenant
    from billing.rating.lookup import RateMatch

UserId = uuid.UUID | str  # a user's primary key (a string where plain SQL read it on SQLite)


@dataclass(frozen=True)
class CallRules:
    policy: CallPolicy
    refusal: str | None  # a BlockReason from the destination policy


@dataclass(frozen=True)
class Allowance:
    budget: Decimal  # credit the call may hold now
    seconds: int  # the longest stretch of credit-paid time it may be granted now (one slice)
    spend_limited: bool  # the user's limit, not the balance, is what stops it
    limit: Decimal | None = None
    spent: Decimal = Decimal("0.00")


def policy_of(*, tenant: "Tenant", user_id: UserId | None) -> CallPolicy:
    return call_policy(tenant=tenant, user_id=user_id, default_slice_minutes=settings.SPEND_SLICE_MINUTES)


def policy_read(values: Sequence[Any], *, user_id: UserId | None) -> CallPolicy:
    """policy_of() from the values a statement of the caller's read through limits.policy_parts()."""
    return policy_from_row(values, user_id=user_id, default_slice_minutes=settings.SPEND_SLICE_MINUTES)


def call_rules(*, tenant: "Tenant", user_id: UserId | None, call_type: str, rate: "RateMatch | None",
               policy: CallPolicy | None = None) -> CallRules:
    """The call's policy and whether its destination policy refuses it; `policy`: policy_of() read already."""
    policy = policy if policy is not None else policy_of(tenant=tenant, user_id=user_id)
    refusal = destination_refusal(tenant=tenant, policy=policy, user_id=user_id, call_type=call_type,
                                  country=rate.country if rate is not None else "",
                                  number_type=rate.number_type if rate is not None else "")
    return CallRules(policy=policy, refusal=refusal)


def credit_allowance(*, tenant: "Tenant", policy: CallPolicy, user_id: UserId | None, available: Decimal,
                     left_seconds: int, at: datetime.datetime) -> Allowance:
    """Credit and seconds a call may hold now: at most one slice of `left_seconds`, within the user's room."""
    budget = credit_budget(tenant=tenant, policy=policy, user_id=user_id, available=available, at=at)
    return Allowance(budget=budget.amount, seconds=min(left_seconds, policy.slice_seconds),
                     spend_limited=budget.spend_limited, limit=budget.limit, spent=budget.spent)


def spend_limit_refused(*, tenant: "Tenant", user_id: UserId | None, allowance: Allowance,
                        at: datetime.datetime) -> None:
    """A call refused at the user's limit: the 100% email and `spend_limit.reached` (each once a month per user)."""
    if allowance.limit is not None and user_id:
        spend_limit_notify(tenant=tenant, user_id=user_id, limit=allowance.limit, spent=allowance.spent, percent=100,
                           at=at)


def limit_note(allowance: Allowance | None) -> str | None:
    """What the authorization keeps of the user's limit, so completing needs no policy read: the limit, or None."""
    return None if allowance is None or allowance.limit is None else str(allowance.limit)


def after_credit_charge(*, tenant: "Tenant", user_id: UserId | None, charge: Decimal, at: datetime.datetime,
                        limit: str | None) -> None:
    """The user's month now includes `charge` (its record is written): notices of the thresholds it crossed.
    `limit` is what the authorization kept (limit_note), so a call with no limit costs nothing here."""
    if not user_id or charge <= 0 or limit is None:
        return
    spent = user_month_spent(tenant=tenant, user_id=user_id, at=at)
    spend_limit_notices(tenant=tenant, user_id=user_id, limit=Decimal(limit), spent=spent, charged=charge, at=at)


def after_import_charges(*, tenant: "Tenant", record_ids: Sequence[int]) -> None:
    """An imported batch's calls (the records `record_ids`, just written) now count in their users' months: each
    user's month gets the notices the batch's charges to it crossed, through the same rule as a completed call (one
    notice per threshold: charging the calls one by one would only repeat it). Three reads for the whole batch: the
    charges by user and month, the users' limits, each month's spend."""
    charged = {(user_id, month_start(month)): amount for user_id, month, amount in (
        CallRecord.objects.filter(pk__in=record_ids, tenant=tenant, charge__gt=0, user__isnull=False)
        .annotate(month=TruncMonth("start_at", tzinfo=datetime.UTC)).values("user_id", "month")
        .annotate(charged=MoneySum("charge")).values_list("user_id", "month", "charged"))}
    limits = user_limits(tenant=tenant, user_ids={user_id for user_id, _ in charged})
    months: dict = {}
    for user_id, month in charged:
        if user_id in limits:
            months.setdefault(month, set()).add(user_id)
    for month, user_ids in sorted(months.items()):
        spent = month_spent(tenant=tenant, user_ids=user_ids, month=month)
        for user_id in sorted(user_ids, key=str):
            spend_limit_notices(tenant=tenant, user_id=user_id, limit=limits[user_id],
                                spent=spent.get(user_id, Decimal("0.00")), charged=charged[(user_id, month)], at=month)
