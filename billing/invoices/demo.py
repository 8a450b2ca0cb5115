"""Demo invoices for Contoso: a year of monthly statements from deterministic synthetic calls and purchases.

The calls are made up (a few hundred a month, seeded per month) until the ledger and the call records
are wired in. About 80 of Contoso's users hold the Communications Credits licence, so the funding follows
PRODUCT.md's recommendation for fewer than 250 users: $1,000 one-time, then auto-recharge of $500 when the
balance falls below $200. Those purchases appear on the statements only: the invoices of Contoso's real
purchases are issued by Communications Credits itself (billing/demo.py), once each.
"""
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User

from .models import Invoice
from .services import credit_note_issue, statement_issue
from .statements import (
    ZERO,
    CallLine,
    CountryUsage,
    StatementData,
    StatementExpiry,
    StatementPurchase,
    UserUsage,
    month_bounds,
)

# The simulation always starts here, whatever today is, so that a later run continues the same balance.
EPOCH = date(2025, 11, 1)
MONTHS_SHOWN = 12
ONE_TIME = Decimal("1000.00")
TRIGGER = Decimal("200.00")
RECHARGE = Decimal("500.00")

# Destination -> (price per minute, connection fee, dialling prefix, digits after the prefix, weight).
DESTINATIONS = {
    "US": (Decimal("0.045"), Decimal("0.00"), "+1", 10, 22),
    "CA": (Decimal("0.045"), Decimal("0.00"), "+1", 10, 6),
    "GB": (Decimal("0.085"), Decimal("0.00"), "+44", 10, 12),
    "DE": (Decimal("0.110"), Decimal("0.00"), "+49", 10, 10),
    "FR": (Decimal("0.120"), Decimal("0.00"), "+33", 9, 8),
    "IN": (Decimal("0.190"), Decimal("0.02"), "+91", 10, 9),
    "JP": (Decimal("0.260"), Decimal("0.00"), "+81", 10, 7),
    "MX": (Decimal("0.160"), Decimal("0.00"), "+52", 10, 6),
    "BR": (Decimal("0.210"), Decimal("0.02"), "+55", 11, 5),
    "AU": (Decimal("0.130"), Decimal("0.00"), "+61", 9, 5),
    "SG": (Decimal("0.110"), Decimal("0.00"), "+65", 8, 4),
    "ZA": (Decimal("0.290"), Decimal("0.03"), "+27", 9, 3),
    "NG": (Decimal("0.420"), Decimal("0.04"), "+234", 10, 2),
    "PH": (Decimal("0.380"), Decimal("0.04"), "+63", 10, 2),
}
CALL_TYPES = (("user_out", 62), ("user_out_conf", 8), ("conf_out", 22), ("user_out_transfer", 4),
              ("user_out_forwarding", 4))


@dataclass(frozen=True)
class Caller:
    user_principal_name: str
    display_name: str


def synthetic_calls(*, month, callers, count, seed):
    """`count` deterministic charged calls in `month` by `callers`, rated per minute rounded up plus any connection fee."""
    rng = random.Random(f"{seed}:{month.isoformat()}")
    first, last = month_bounds(month)
    seconds_in_month = int((last - first).total_seconds()) + 86400
    start = datetime.combine(first, time.min, tzinfo=UTC)
    countries = list(DESTINATIONS)
    country_weights = [DESTINATIONS[c][4] for c in countries]
    call_types, type_weights = zip(*CALL_TYPES, strict=True)
    calls = []
    for _ in range(count):
        country = rng.choices(countries, country_weights)[0]
        price, connection_fee, prefix, digits, _ = DESTINATIONS[country]
        # Business calls: mostly a few minutes, a long tail of hour-long conference dial-outs.
        duration = min(int(rng.lognormvariate(5.6, 0.9)) + 5, 4 * 3600)
        charge = (price * math.ceil(duration / 60) + connection_fee).quantize(Decimal("0.01"))
        caller = callers[int(rng.paretovariate(1.3) * 3) % len(callers)]
        calls.append(CallLine(
            started_at=start + timedelta(seconds=rng.randrange(seconds_in_month)),
            user_principal_name=caller.user_principal_name, call_type=rng.choices(call_types, type_weights)[0],
            destination=prefix + "".join(str(rng.randrange(10)) for _ in range(digits)), country=country,
            duration_seconds=duration, charge=charge, call_id=str(uuid.UUID(int=rng.getrandbits(128), version=4))))
    calls.sort(key=lambda c: c.started_at)
    return calls


def statement_data_from_calls(*, calls, callers, opening_balance, purchases=(), expiries=()):
    """StatementData whose usage by country and by user are the sums of `calls`."""
    names = {c.user_principal_name: c.display_name for c in callers}
    by_country, by_user = {}, {}
    for call in calls:
        minutes = math.ceil(call.duration_seconds / 60)
        for table, key in ((by_country, call.country), (by_user, call.user_principal_name)):
            calls_, mins, amount = table.get(key, (0, 0, ZERO))
            table[key] = (calls_ + 1, mins + minutes, amount + call.charge)
    usage = sum((c.charge for c in calls), ZERO)
    purchased = sum((p.amount for p in purchases), ZERO)
    expired = sum((e.amount for e in expiries), ZERO)
    return StatementData(
        opening_balance=opening_balance,
        closing_balance=opening_balance + purchased - usage - expired,
        purchases=tuple(purchases),
        usage_by_country=tuple(CountryUsage(country=k, calls=v[0], minutes=v[1], amount=v[2])
                               for k, v in sorted(by_country.items())),
        usage_by_user=tuple(UserUsage(user_principal_name=k, display_name=names.get(k, k), calls=v[0], minutes=v[1],
                                      amount=v[2]) for k, v in sorted(by_user.items())),
        expiries=tuple(expiries),
        calls=tuple(calls),
    )


def _callers(tenant):
    """About 80 of the directory's users, picked the same way on every run; a few of them call most."""
    users = list(User.objects.filter(tenant=tenant).exclude(usage_location="").exclude(role_rows__isnull=False)
                 .order_by("upn").values_list("upn", "display_name"))
    random.Random(tenant.initial_domain).shuffle(users)
    return [Caller(upn, name) for upn, name in users[:80]] or [Caller(f"admin@{tenant.initial_domain}", "MOD Administrator")]


def _month_starts(until):
    month = EPOCH
    while month < until:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def seed(*, tenant, stdout=None):
    """A year of purchase invoices and monthly statements for `tenant`; safe to run again."""
    now = timezone.now()
    this_month = now.date().replace(day=1)
    months = list(_month_starts(this_month))
    shown = set(months[-MONTHS_SHOWN:])
    callers = _callers(tenant)
    lots = []  # [purchase date, remaining] first in, first out
    balance = ZERO
    issued = 0
    for month in months:
        first, last = month_bounds(month)
        calls = synthetic_calls(month=month, callers=callers, count=random.Random(month.toordinal()).randint(240, 380),
                                seed=tenant.initial_domain)
        purchases, expiries = [], []
        opening = balance
        if month == EPOCH:
            purchases.append(_purchase(first + timedelta(days=2), ONE_TIME, one_time=True))
            lots.append([first + timedelta(days=2), ONE_TIME])
            balance += ONE_TIME
        for call in calls:
            for lot in lots:  # funds older than 12 months expire before the call is charged
                if lot[1] > 0 and lot[0] + timedelta(days=365) <= call.started_at.date():
                    expiries.append(StatementExpiry(date=lot[0] + timedelta(days=365), amount=lot[1],
                                                    description=f"Funds purchased {lot[0]:%b %-d, %Y} expired unused"))
                    balance -= lot[1]
                    lot[1] = ZERO
            charge = call.charge
            balance -= charge
            for lot in lots:
                taken = min(lot[1], charge)
                lot[1] -= taken
                charge -= taken
            if balance < TRIGGER:
                day = call.started_at.date()
                purchases.append(_purchase(day, RECHARGE))
                lots.append([day, RECHARGE])
                balance += RECHARGE
        if month in shown:
            data = statement_data_from_calls(calls=calls, callers=callers, opening_balance=opening,
                                             purchases=purchases, expiries=expiries)
            statement_issue(tenant=tenant, month=month, data=data, actor=None,
                            issued_at=datetime.combine(last + timedelta(days=1), time(6), tzinfo=UTC))
            issued += 1
    _seed_credit_note(tenant)
    if stdout:
        count = Invoice.objects.filter(tenant=tenant).count()
        stdout.write(f"  invoices: {count} documents ({issued} monthly statements) for {tenant.name}")
    return tenant


def _purchase(day, amount, *, one_time=False):
    """A purchase as the statement lists it. Its invoice is not issued here: Communications Credits issues the
    invoice of every real purchase (billing/services/funding.py), so demo purchases are invoiced once."""
    description = "Communications Credits, one-time purchase" if one_time else "Communications Credits, auto-recharge"
    return StatementPurchase(date=day, description=description, amount=amount)


def _seed_credit_note(tenant):
    """One correction, as admins meet them: calls dropped by a carrier were charged in error."""
    statement = (Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.STATEMENT).order_by("period_start")[2:3].first())
    if statement is None or statement.credit_notes.exists():
        return
    credit_note_issue(invoice=statement, amount=Decimal("12.40"), actor=None,
                      reason="Calls dropped by the carrier within 10 seconds were charged in error.")
