"""PSTN blocked users: who cannot call right now, why, and since when; and the call attempts that were refused.

A user is judged from what they hold now (enabled service plans), this month's minute pools and the credits
balance, by the rules of PRODUCT.md:
- a Calling Plan needs Teams Phone, and a Teams Phone user needs a Calling Plan to reach the PSTN;
- once the user's pool is used up (or always, on Pay-As-You-Go) calls are paid from Communications Credits,
  which needs the Communications Credits license and a balance above zero;
- conferencing dial-out beyond the pooled dial-out minutes follows the same credits rule;
- at zero balance, toll-free numbers stop answering.
"Blocked time" is when the condition began as far as the data records it: the user's last license change
(audit log) for license reasons, the last call that used up the pool, or the ledger entry that took the balance
to zero (whichever came later, when both are needed).
"""
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Max, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import AuditLog, Tenant, User
from billing.credits.models import LedgerEntry
from billing.credits.selectors import credits_balance
from billing.rating.models import BlockAction, BlockedCall, BlockReason, MinutePool, MinutePoolUsage, TenantPhoneNumber
from billing.rating.pools import not_pooled_plans
from billing.rating.routing import calling_plan
from billing.rating.rules import (
    AUDIO_CONFERENCING,
    CALLING_PLANS_BY_PRECEDENCE,
    COMMUNICATIONS_CREDITS,
    PAY_AS_YOU_GO_PLANS,
    TEAMS_PHONE,
    pool_country,
)
from licensing.models import AssignedPlan, LicenseAssignment

from .pools import month_of

PLANS_READ = (TEAMS_PHONE, COMMUNICATIONS_CREDITS, AUDIO_CONFERENCING, *CALLING_PLANS_BY_PRECEDENCE)
# (reason, action, since) of one block: BlockReason and BlockAction values.
Block = tuple[str, str, datetime | None]


@dataclass(frozen=True)
class BlockedLine:
    display_name: str
    phone: str
    reason: str  # BlockReason value
    action: str  # BlockAction value
    since: datetime | None
    upn: str = ""

    @property
    def reason_label(self) -> str:
        return BlockReason(self.reason).label

    @property
    def action_label(self) -> str:
        return BlockAction(self.action).label


def _zero_since(tenant: Tenant) -> datetime | None:
    """When the balance last fell to zero: the first entry after the last one that left money (one query)."""
    entries = LedgerEntry.objects.filter(account__tenant=tenant)
    last_funded = entries.filter(balance_after__gt=0).order_by("-id").values("id")[:1]
    return (entries.filter(balance_after=0, id__gt=Coalesce(Subquery(last_funded), Value(0))).order_by("id")
            .values_list("created_at", flat=True).first())


def _exhausted_pools(tenant: Tenant, month: date) -> dict[tuple[str, str, Any], datetime]:
    """{(kind, plan, country or user id): when it was used up} for this month's pools with no minutes left."""
    pools = [p for p in MinutePool.objects.filter(tenant=tenant, month=month) if p.remaining_minutes == 0]
    last_use = dict(MinutePoolUsage.objects.filter(pool__in=[p.pk for p in pools]).values("pool")
                    .annotate(last=Max("used_at")).values_list("pool", "last"))
    exhausted: dict[tuple[str, str, Any], datetime] = {}
    for pool in pools:
        key = pool.user_id if pool.kind == MinutePool.Kind.PER_USER else pool.country
        exhausted[(pool.kind, pool.plan, key)] = pool.notified_100_at or last_use.get(pool.pk) or pool.updated_at
    return exhausted


def _license_changes(tenant: Tenant, user_ids: Collection[Any]) -> dict[str, datetime]:
    """{user id: when their licenses last changed}: the audit log, else their newest assignment (two queries)."""
    changed: dict[str, datetime] = {}
    for user_id, at in (LicenseAssignment.objects.filter(tenant=tenant, user_id__in=user_ids).values("user_id")
                        .annotate(at=Max("assigned_at")).values_list("user_id", "at")):
        changed[str(user_id)] = at
    for target_id, at in (AuditLog.objects.filter(tenant=tenant, action="user.licenses",
                                                  target_id__in=[str(u) for u in user_ids])
                          .values("target_id").annotate(at=Max("created_at")).values_list("target_id", "at")):
        changed[target_id] = max(at, changed.get(target_id, at))
    return changed


def _later(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class _Judge:
    """The tenant-wide facts a user's blocks depend on: this month's used-up pools and a zero balance."""

    exhausted: dict[tuple[str, str, Any], datetime]
    zero_balance: bool
    zero_at: datetime | None

    def credits_block(self, plans: Collection[str], action: str, since: datetime | None, license_at: datetime | None,
                      no_license: str = BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE) -> list[Block]:
        """A call that credits must pay is blocked without the license, or at zero balance."""
        if COMMUNICATIONS_CREDITS not in plans:
            return [(no_license, action, _later(since, license_at))]
        if self.zero_balance:
            return [(BlockReason.INSUFFICIENT_CREDITS, action, _later(since, self.zero_at))]
        return []

    def outbound(self, plans: Collection[str], user: Mapping[str, Any], license_at: datetime | None) -> list[Block]:
        """Why a phone user cannot place domestic PSTN calls now: [(reason, action, since)] (rating's routing rules:
        the calling plan that serves the user, its pool in the user's pool country)."""
        action = BlockAction.OUTBOUND_BLOCKED
        plan = calling_plan(plans)
        if plan is not None and TEAMS_PHONE not in plans:
            return [(BlockReason.NO_TEAMS_PHONE, action, license_at)]
        if plan is None:
            return [(BlockReason.NO_CALLING_PLAN, action, license_at)]
        if plan in PAY_AS_YOU_GO_PLANS:  # every minute is paid from credits
            return self.credits_block(plans, action, license_at, license_at, no_license=BlockReason.PAY_AS_YOU_GO_UNFUNDED)
        if plan in not_pooled_plans([plan]):
            used_up = self.exhausted.get((MinutePool.Kind.PER_USER, plan, user["id"]))
        else:
            used_up = self.exhausted.get((MinutePool.Kind.DOMESTIC, plan, pool_country(user["home_country"])))
        return self.credits_block(plans, action, used_up, license_at) if used_up else []

    def dial_out(self, plans: Collection[str], license_at: datetime | None) -> list[Block]:
        """Why an Audio Conferencing organiser cannot dial out of meetings now."""
        used_up = [at for (kind, plan, _), at in self.exhausted.items()
                   if kind == MinutePool.Kind.CONFERENCING and plan == AUDIO_CONFERENCING]
        return self.credits_block(plans, BlockAction.DIAL_OUT_BLOCKED, max(used_up), license_at) if used_up else []


def blocked_users(*, tenant: Tenant, now: datetime) -> list[BlockedLine]:
    """[BlockedLine] of the users and toll-free numbers that cannot call now, by display name (seven to ten queries,
    whatever the number of users)."""
    plans_by_user: dict[Any, set[str]] = {}
    for user_id, plan in (AssignedPlan.objects.filter(tenant=tenant, enabled=True, service_plan__name__in=PLANS_READ)
                          .values_list("user_id", "service_plan__name")):
        plans_by_user.setdefault(user_id, set()).add(plan)
    numbers = dict(TenantPhoneNumber.objects.filter(tenant=tenant, kind=TenantPhoneNumber.Kind.USER, user__isnull=False)
                   .values_list("user_id", "e164"))
    # Phone users hold Teams Phone or a Calling Plan, or have a number; conferencing organisers hold Audio Conferencing.
    phone_users = {u for u, plans in plans_by_user.items() if plans & {TEAMS_PHONE, *CALLING_PLANS_BY_PRECEDENCE}}
    phone_users |= set(numbers)
    organisers = {u for u, plans in plans_by_user.items() if AUDIO_CONFERENCING in plans}
    user_ids = list(phone_users | organisers)
    zero_balance = credits_balance(tenant=tenant, now=now).balance <= 0
    judge = _Judge(exhausted=_exhausted_pools(tenant, month_of(now.date())), zero_balance=zero_balance,
                   zero_at=_zero_since(tenant) if zero_balance else None)
    license_changes = _license_changes(tenant, user_ids)
    lines: list[BlockedLine] = []
    users = (User.objects.filter(tenant=tenant, pk__in=user_ids)
             .values("id", "display_name", "upn", "usage_location", "phone_number").order_by("display_name", "upn"))
    for user in users:
        user["home_country"] = user["usage_location"] or tenant.country  # type: ignore[misc]  # as rating routes a user without one
        plans = plans_by_user.get(user["id"], set())
        license_at = license_changes.get(str(user["id"]))
        blocks = judge.outbound(plans, user, license_at) if user["id"] in phone_users else []
        if user["id"] in organisers:
            blocks += judge.dial_out(plans, license_at)
        phone = numbers.get(user["id"]) or user["phone_number"]
        lines += [BlockedLine(display_name=user["display_name"], phone=phone, reason=reason, action=action, since=since,
                              upn=user["upn"]) for reason, action, since in blocks]
    if zero_balance:
        for label, e164 in (TenantPhoneNumber.objects.filter(tenant=tenant, kind=TenantPhoneNumber.Kind.TOLL_FREE)
                            .order_by("e164").values_list("label", "e164")):
            lines.append(BlockedLine(display_name=label or "Toll-free number", phone=e164,
                                     reason=BlockReason.INSUFFICIENT_CREDITS, action=BlockAction.INBOUND_NOT_ANSWERED,
                                     since=judge.zero_at))
    return lines


ATTEMPTS_SHOWN = 100


def blocked_attempts(*, tenant: Tenant, start: datetime, end: datetime, limit: int = ATTEMPTS_SHOWN) -> list[BlockedCall]:
    """The newest refused call attempts in [start, end), at most `limit` (one query)."""
    return list(BlockedCall.objects.filter(tenant=tenant, blocked_at__gte=start, blocked_at__lt=end)
                .order_by("-blocked_at", "-id")[:limit])
