"""Made-up calls and the statement they add up to, for tests and the statement benchmark.

Deterministic per month and seed, rated per minute rounded up plus any connection fee. The demo's statements
come from the real ledger and call records instead (billing/invoices/demo.py).
"""
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from .statements import ZERO, CallLine, CountryUsage, StatementData, UserUsage, month_bounds

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
    call_types = [name for name, _ in CALL_TYPES]
    type_weights = [weight for _, weight in CALL_TYPES]
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
            user_principal_name=caller.user_principal_name, call_type=str(rng.choices(call_types, type_weights)[0]),
            destination=prefix + "".join(str(rng.randrange(10)) for _ in range(digits)), country=country,
            duration_seconds=duration, charge=charge, call_id=str(uuid.UUID(int=rng.getrandbits(128), version=4))))
    calls.sort(key=lambda c: c.started_at)
    return calls


def statement_data_from_calls(*, calls, callers, opening_balance, purchases=(), expiries=()):
    """StatementData whose usage by country and by user are the sums of `calls`."""
    names = {c.user_principal_name: c.display_name for c in callers}
    by_country: dict = {}
    by_user: dict = {}
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
