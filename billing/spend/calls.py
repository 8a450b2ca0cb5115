"""What spend control adds to the call API (billing/rating/services/calls.py and extend.py call these).

At authorize and extend, `credit_allowance` says how much credit and how many seconds a call may hold now: one slice
at most, and no more than the user's room under their monthly limit. After a call's charge, `after_credit_charge`
sends the 80%/100% notices the charge crossed. Both run under the tenant's credit-account lock.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .limits import CallPolicy, call_policy, credit_budget, spent_and_held
from .notices import spend_limit_notify, spend_thresholds_crossed


@dataclass(frozen=True)
class Allowance:
    budget: Decimal  # credit the call may hold now
    seconds: int  # the longest stretch of credit-paid time it may be granted now (one slice)
    spend_limited: bool  # the user's limit, not the balance, is what stops it
    policy: CallPolicy
    limit: Decimal | None = None
    spent: Decimal = Decimal("0.00")


def policy_of(*, tenant, user_id):
    return call_policy(tenant=tenant, user_id=user_id, default_slice_minutes=settings.SPEND_SLICE_MINUTES)


def credit_allowance(*, tenant, user_id, available, left_seconds, at):
    """Credit and seconds a call may hold now: at most one slice of `left_seconds`, within the user's room."""
    policy = policy_of(tenant=tenant, user_id=user_id)
    budget = credit_budget(tenant=tenant, policy=policy, user_id=user_id, available=available, at=at)
    return Allowance(budget=budget.amount, seconds=min(left_seconds, policy.slice_seconds),
                     spend_limited=budget.spend_limited, policy=policy, limit=budget.limit, spent=budget.spent)


def spend_limit_refused(*, tenant, user_id, allowance, at):
    """A call refused at the user's limit: the 100% email and `spend_limit.reached` (each once a month per user)."""
    if allowance.limit is not None and user_id:
        spend_limit_notify(tenant=tenant, user_id=user_id, limit=allowance.limit, spent=allowance.spent, percent=100,
                           at=at)


def after_credit_charge(*, tenant, user_id, charge, at):
    """The user's month now includes `charge` (its record is written): notices of the thresholds it crossed."""
    if not user_id or charge <= 0:
        return
    policy = policy_of(tenant=tenant, user_id=user_id)
    if policy.user_limit is None:
        return
    spent, _ = spent_and_held(tenant=tenant, user_id=user_id, at=at)
    for percent in spend_thresholds_crossed(limit=policy.user_limit, before=spent - charge, after=spent):
        spend_limit_notify(tenant=tenant, user_id=user_id, limit=policy.user_limit, spent=spent, percent=percent,
                           at=at)
