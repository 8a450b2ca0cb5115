"""Demo calling for Contoso: phone numbers (users with a calling plan, a conferencing number, two toll-free numbers)
and a month of call history placed through the call services.

Deterministic (fixed numbers, a seeded traffic generator) and idempotent: numbers are only added when missing,
and the history is only made while Contoso has no call records. Runs after the credits demo, so calls that
need credits find a funded balance and users holding the Communications Credits licence.
"""
import time

from accounts.models import User
from licensing.models import AssignedPlan

from .models import CallRecord, TenantPhoneNumber
from .rules import CALLING_PLANS_BY_PRECEDENCE
from .services import phone_number_add
from .simulation import simulate_traffic

SERVICE_NUMBERS = [
    ("+14255559000", TenantPhoneNumber.Kind.CONFERENCING, "Audio Conferencing (Redmond)"),
    ("+18005550100", TenantPhoneNumber.Kind.TOLL_FREE, "Audio Conferencing toll-free"),
    ("+18885550100", TenantPhoneNumber.Kind.TOLL_FREE, "Support line auto attendant"),
]
HISTORY_DAYS = 30
HISTORY_CALLS = 1200


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


def seed(*, tenant, stdout=None):
    added = _numbers(tenant)
    if CallRecord.objects.filter(tenant=tenant).exists():
        if stdout:
            stdout.write(f"  calling: {added} phone numbers added; call history already there")
        return tenant
    started = time.perf_counter()
    result = simulate_traffic(tenant=tenant, days=HISTORY_DAYS, calls=HISTORY_CALLS, seed=2026)
    if stdout:
        stdout.write(f"  calling: {added} phone numbers added; {result.completed:,} calls and {result.blocked:,} "
                     f"blocked attempts over {HISTORY_DAYS} days ({time.perf_counter() - started:.0f} s)")
    return tenant
