"""Demo calling for Contoso: phone numbers (users with a calling plan, a conferencing number, two toll-free numbers)
and 14 months of calls: the first 13 imported night by night as a telephony platform sends the day's finished calls
(`call_records_import`, charged when each day is imported), the last month placed live (authorize, complete).
Between the days, funds expire after 12 months and auto-recharge buys more whenever the balance fell below its
trigger (billing/credits/demo.py), so the credits page, the reports and the statements tell one story.

Deterministic (fixed numbers, a seeded traffic generator) and idempotent: numbers are only added when missing,
and the history is only made while Contoso has no call records. Runs after the credits demo, so calls that
need credits find a funded balance and users holding the Communications Credits license.
"""
import datetime
import time

from django.utils import timezone

from accounts.models import User
from billing.credits.demo import FIRST_PURCHASE, demo_expire_lots, demo_recharge, demo_recharge_due
from core.plugins import demo_seeder
from licensing.models import AssignedPlan

from .models import CallRecord, TenantPhoneNumber
from .rules import CALLING_PLANS_BY_PRECEDENCE
from .services import call_records_import, phone_number_add
from .simulation import simulate_traffic, traffic_directory, traffic_rows

SERVICE_NUMBERS = [
    ("+14255559000", TenantPhoneNumber.Kind.CONFERENCING, "Audio Conferencing (Redmond)"),
    ("+18005550100", TenantPhoneNumber.Kind.TOLL_FREE, "Audio Conferencing toll-free"),
    ("+18885550100", TenantPhoneNumber.Kind.TOLL_FREE, "Support line auto attendant"),
]
HISTORY_DAYS = 30  # placed live
HISTORY_CALLS = 1200
DAY_CALLS = 56  # imported before that, per working day: the same traffic as the live month (1,200 in 30 days)
IMPORT_TIME = datetime.time(2)  # each day's calls are sent, and charged, at 02:00 UTC the next night


def _numbers(tenant):
    """A user number for each user with a calling plan (their directory phone), and the service numbers."""
    taken = set(TenantPhoneNumber.objects.values_list("e164", flat=True))
    numbered = set(TenantPhoneNumber.objects.filter(tenant=tenant, user__isnull=False).values_list("user_id", flat=True))
    holders = AssignedPlan.objects.filter(tenant=tenant, enabled=True,
                                          service_plan__name__in=CALLING_PLANS_BY_PRECEDENCE).values("user")
    added = 0
    for user in User.objects.filter(tenant=tenant, pk__in=holders).exclude(phone_number="").order_by("upn"):
        if user.pk in numbered or user.phone_number in taken:
            continue
        phone_number_add(tenant=tenant, number=user.phone_number, kind=TenantPhoneNumber.Kind.USER, user=user,
                         actor=None)
        added += 1
    for e164, kind, label in SERVICE_NUMBERS:
        if e164 not in taken:
            phone_number_add(tenant=tenant, number=e164, kind=kind, label=label, actor=None)
            added += 1
    return added


@demo_seeder
def seed(*, tenant, stdout=None):
    added = _numbers(tenant)
    if CallRecord.objects.filter(tenant=tenant).exists():
        if stdout:
            stdout.write(f"  calling: {added} phone numbers added; call history already there")
        return tenant
    started = time.perf_counter()
    now = timezone.now()
    # The live month's first calls start on this day at 08:00 at the earliest (simulation._start): the imported
    # days are all charged by 02:00 of it, so the ledger's order and its dates agree.
    live_from = datetime.datetime.combine((now - datetime.timedelta(days=HISTORY_DAYS)).date(), IMPORT_TIME,
                                          tzinfo=datetime.UTC)
    imported, recharges = _imported_history(tenant, until=live_from)
    if demo_expire_lots(tenant=tenant, until=live_from) and _recharge_if_due(tenant, live_from):
        recharges += 1
    result = simulate_traffic(tenant=tenant, days=HISTORY_DAYS, calls=HISTORY_CALLS, seed=2026, now=now)
    if stdout:
        plural = "" if recharges == 1 else "s"
        stdout.write(f"  calling: {added} phone numbers added; {imported:,} calls imported over 13 months "
                     f"({recharges} auto-recharge{plural}), then {result.completed:,} calls and {result.blocked:,} "
                     f"blocked attempts placed live over {HISTORY_DAYS} days ({time.perf_counter() - started:.0f} s)")
    return tenant


def _imported_history(tenant, *, until):
    """Each working day's finished calls from the first purchase until `until`, imported and charged the next night;
    lots expire and auto-recharge tops up in between, each at its moment. -> (calls imported, recharges)."""
    day = (until - datetime.timedelta(days=FIRST_PURCHASE[1] - HISTORY_DAYS)).date()
    imported = recharges = 0
    directory = traffic_directory(tenant)
    while (charged_at := datetime.datetime.combine(day + datetime.timedelta(days=1), IMPORT_TIME,
                                                   tzinfo=datetime.UTC)) <= until:
        expired_at = demo_expire_lots(tenant=tenant, until=charged_at)
        if expired_at and _recharge_if_due(tenant, expired_at):
            recharges += 1
        rows = traffic_rows(tenant=tenant, day=day, calls=DAY_CALLS, seed=2026, directory=directory)
        if rows:
            imported += call_records_import(tenant=tenant, rows=rows, now=charged_at).imported
            if _recharge_if_due(tenant, charged_at):
                recharges += 1
        day += datetime.timedelta(days=1)
    return imported, recharges


def _recharge_if_due(tenant, at):
    """Recharges at `at` if the balance is below the trigger. The statements due by then are issued first, so the
    recharge's invoice takes the next number after them."""
    from billing.invoices.demo import demo_issue_due_statements  # the demo only: invoices builds on rating

    available = demo_recharge_due(tenant=tenant)
    if available is None:
        return False
    demo_issue_due_statements(tenant=tenant, until=at)
    demo_recharge(tenant=tenant, at=at, available=available)
    return True
