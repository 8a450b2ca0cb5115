"""Realistic call traffic for a tenant, sent through the real-time services (authorize, then complete).

Users with a calling plan call numbers at home and abroad (landlines, mobiles, the odd toll-free or premium
number), receive calls, organisers dial out of meetings, people dial into the conferencing and toll-free
numbers; users without Teams Phone sometimes try and are blocked. Deterministic: the same tenant, days,
calls and seed give the same calls with the same ids, so running it again changes nothing.
"""
import datetime
import heapq
import random
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from licensing.models import AssignedPlan

from .models import CallType, TenantPhoneNumber
from .routing import calling_plan
from .rules import AUDIO_CONFERENCING, TEAMS_PHONE, zone_a_countries
from .services import call_authorize, call_complete

# country -> (landline template, mobile template); the digits after the prefix vary.
NUMBERS = {
    "US": ("+1425555{:04d}", "+1206555{:04d}"),
    "PR": ("+1787555{:04d}", "+1787555{:04d}"),
    "CA": ("+1613555{:04d}", "+1613555{:04d}"),
    "GB": ("+4420794{:05d}", "+447400{:06d}"),
    "DE": ("+4930123{:05d}", "+49151123{:05d}"),
    "FR": ("+33123{:06d}", "+33612{:06d}"),
    "IN": ("+911123{:06d}", "+9198765{:05d}"),
    "JP": ("+813123{:05d}", "+8190123{:05d}"),
    "AU": ("+612123{:05d}", "+612123{:05d}"),
    "MX": ("+5255123{:05d}", "+5255123{:05d}"),
    "BR": ("+551133{:06d}", "+551133{:06d}"),
    "EG": ("+202123{:05d}", "+202123{:05d}"),
    "NG": ("+23480123{:05d}", "+23480123{:05d}"),
}
TOLL_FREE_DESTINATION = "+1800555{:04d}"
PREMIUM_DESTINATIONS = ("+449098{:06d}", "+1900555{:04d}")
UK_SHARED_COST = "+448431{:06d}"
ABROAD = ["GB", "DE", "FR", "IN", "JP", "CA", "MX", "AU", "BR", "EG", "NG"]
MAX_SECONDS = 3 * 3600


@dataclass
class SimulationResult:
    attempts: int = 0
    completed: int = 0
    blocked: int = 0
    skipped: list = field(default_factory=list)  # (call id, what the service said) for attempts it refused as input


def _number(rng, template):
    width = int(template.split(":")[1].rstrip("d}"))
    return template.format(rng.randrange(10 ** width))


def _destination(rng, home, mobile_share=0.3):
    landline, mobile = NUMBERS.get(home, NUMBERS["US"])
    return _number(rng, mobile if rng.random() < mobile_share else landline)


def _start(rng, now, days):
    """A weekday working-hours moment within the last `days` days, before `now`."""
    while True:
        day = now - datetime.timedelta(days=rng.randrange(days), hours=rng.randrange(0, 24))
        moment = day.replace(hour=rng.randrange(8, 19), minute=rng.randrange(60), second=rng.randrange(60),
                             microsecond=0)
        if moment.weekday() < 5 and moment < now - datetime.timedelta(minutes=5):
            return moment


def _seconds(rng, mean):
    if rng.random() < 0.08:
        return 0  # not answered
    return min(MAX_SECONDS, int(rng.expovariate(1 / mean)) + 5)


class _Directory:
    """Who can place which kind of call, read once."""

    def __init__(self, tenant):
        users = list(User.objects.filter(tenant=tenant).exclude(usage_location="").order_by("upn"))
        plans: dict = {}
        for user_id, name in AssignedPlan.objects.filter(tenant=tenant, enabled=True).values_list("user_id",
                                                                                                  "service_plan__name"):
            plans.setdefault(user_id, set()).add(name)
        self.callers = [u for u in users if calling_plan(plans.get(u.pk, ()))]
        self.organisers = [u for u in users if AUDIO_CONFERENCING in plans.get(u.pk, ())]
        self.phoneless = [u for u in users if TEAMS_PHONE not in plans.get(u.pk, ())]
        numbers = TenantPhoneNumber.objects.filter(tenant=tenant).order_by("e164")
        self.user_numbers = [n.e164 for n in numbers if n.kind == TenantPhoneNumber.Kind.USER and n.user_id]
        self.conferencing = [n.e164 for n in numbers if n.kind == TenantPhoneNumber.Kind.CONFERENCING]
        self.toll_free = [n.e164 for n in numbers if n.kind == TenantPhoneNumber.Kind.TOLL_FREE]


def _attempt(rng, people):
    """(call type, user, callee, caller, mean seconds) of one call attempt."""
    roll = rng.random()
    if roll < 0.50 and people.callers:
        user = rng.choice(people.callers)
        kind = rng.random()
        if kind < 0.70:
            callee = _destination(rng, user.usage_location)
        elif kind < 0.90:
            callee = _destination(rng, rng.choice(ABROAD), mobile_share=0.5)
        elif kind < 0.95:
            callee = _number(rng, TOLL_FREE_DESTINATION)
        elif kind < 0.98:
            callee = _number(rng, UK_SHARED_COST)
        else:
            callee = _number(rng, rng.choice(PREMIUM_DESTINATIONS))
        call_type = rng.choice([CallType.USER_OUT] * 8 + [CallType.USER_OUT_TRANSFER, CallType.USER_OUT_FORWARDING])
        return call_type, user, callee, "", 240
    if roll < 0.68 and people.user_numbers:
        return CallType.USER_IN, None, rng.choice(people.user_numbers), _destination(rng, rng.choice(["US", "GB"])), 300
    if roll < 0.80 and people.organisers:
        abroad = sorted(zone_a_countries() & set(NUMBERS)) if rng.random() < 0.8 else ["EG", "NG"]
        return CallType.CONF_OUT, rng.choice(people.organisers), _destination(rng, rng.choice(abroad)), "", 1500
    if roll < 0.88 and people.conferencing:
        return CallType.CONF_IN, None, rng.choice(people.conferencing), _destination(rng, "US"), 1800
    if roll < 0.97 and people.toll_free:
        call_type = rng.choice([CallType.CONF_IN, CallType.UNASSIGNED_IN])
        return call_type, None, rng.choice(people.toll_free), _destination(rng, rng.choice(["US", "CA", "PR"])), 420
    if roll < 0.995 and people.phoneless:
        return CallType.USER_OUT, rng.choice(people.phoneless), _destination(rng, "US"), "", 120
    user = rng.choice(people.callers) if people.callers else None
    return CallType.EMERGENCY_OUT, user, "911", "", 300


def traffic_directory(tenant):
    """Who can place which kind of call, for traffic_rows to reuse across days."""
    return _Directory(tenant)


def traffic_rows(*, tenant, day, calls, seed, directory=None):
    """One working day's traffic as finished call records for the import (dicts of ROW_FIELDS), oldest first:
    `calls` attempts between 08:00 and 19:00 UTC on `day` (a date), none at weekends. Attempts the rules block
    are in it too: the import refuses them. `directory` (traffic_directory) saves reading the tenant again."""
    if day.weekday() >= 5:
        return []
    rng = random.Random(f"{tenant.initial_domain}:rows:{day.isoformat()}:{calls}:{seed}")
    people = directory or _Directory(tenant)
    opens = datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC)
    rows = []
    for _ in range(calls):
        call_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        start = opens + datetime.timedelta(seconds=rng.randrange(11 * 3600))
        call_type, user, callee, caller, mean = _attempt(rng, people)
        rows.append({"call_id": call_id, "call_type": call_type, "user_principal_name": user.upn if user else "",
                     "callee_number": callee, "caller_number": caller, "start_at": start,
                     "duration_seconds": _seconds(rng, mean)})
    rows.sort(key=lambda row: row["start_at"])
    return rows


def simulate_traffic(*, tenant, days, calls, seed=1, now=None):
    """Places `calls` call attempts of `tenant` spread over the last `days` days; returns a SimulationResult."""
    if days < 1 or calls < 0:
        raise ValidationError({"days": "Simulate at least one day and zero or more calls."})
    now = now or timezone.now()
    rng = random.Random(f"{tenant.initial_domain}:{days}:{calls}:{seed}")
    people = _Directory(tenant)
    attempts = []
    for _ in range(calls):
        call_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        attempts.append((_start(rng, now, days), call_id, *_attempt(rng, people)))
    attempts.sort(key=lambda attempt: attempt[0])
    result = SimulationResult()
    # Calls overlap as they do in a day: each is completed (and charged, dated when it ended) once the simulated
    # clock passes its end, so the ledger's order and its dates agree.
    in_progress: list = []  # heap of (end, call id)

    def complete_until(moment):
        while in_progress and in_progress[0][0] <= moment:
            end, call_id, seconds = heapq.heappop(in_progress)
            call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds, now=min(end, timezone.now()))
            result.completed += 1

    for start, call_id, call_type, user, callee, caller, mean in attempts:
        complete_until(start)
        result.attempts += 1
        try:
            decision = call_authorize(tenant=tenant, call_id=call_id, call_type=call_type, callee_number=callee,
                                      caller_number=caller, start_at=start, user_principal_name=user.upn if user else "")
        except ValidationError as exc:
            result.skipped.append((call_id, "; ".join(exc.messages)))
            continue
        if not decision.allowed:
            result.blocked += 1
            continue
        seconds = min(_seconds(rng, mean), decision.max_duration_seconds)
        heapq.heappush(in_progress, (start + datetime.timedelta(seconds=seconds), call_id, seconds))
    complete_until(datetime.datetime.max.replace(tzinfo=datetime.UTC))
    return result
