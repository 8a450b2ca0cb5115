"""Importing finished call records: every valid row rated and charged as a completed call would be, in bulk.

One batch (at most `RATING_IMPORT_BATCH_ROWS`, 10,000) is one transaction: rows are checked and routed
without a lock, then under the tenant's credit account lock (then the pools, then the lots) the pools and
the balance are applied in start-time order and everything is written with bulk inserts (COPY on
PostgreSQL). A row that is wrong or not payable comes back as an error naming its index and field and is
not recorded; a call id already known is reported as a duplicate and not charged again.
"""
import datetime
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services import audit_record
from billing.credits import lock_objects as credit_locks
from billing.credits.models import CreditAccount, LedgerEntry
from billing.credits.selectors import credits_balance
from billing.credits.services import credits_debit_batch
from billing.spend import calls as spend_calls
from core.bulk import insert_rows, is_postgresql, reserve_ids
from core.validation import clean_text
from licensing.selectors import assigned_plan_counts

from .. import lock_objects
from ..callinput import clean_call_id, clean_call_type, clean_datetime, clean_duration, clean_start, duration_between
from ..charging import FREE_CALL, CallSplit, split_call
from ..lookup import DayRates, RateMatch, rate_cache
from ..models import (
    BlockReason,
    CallAuthorization,
    CallRecord,
    CallSource,
    Capability,
    DurationSource,
    MinutePool,
    MinutePoolUsage,
)
from ..parties import BatchDirectory, CallParty, call_party, clean_upn
from ..pools import not_pooled_plans, pool_capacity, pool_month, pool_notify_thresholds
from ..records import RECORD_FIELDS, call_details, record_row
from ..routing import RATED_CALL_TYPES, SERVICE_INBOUND, USER_CALL_TYPES, PoolRef, Route, route_call
from ..rules import CALLING_PLANS_BY_PRECEDENCE, CallLimits, call_limits

ROW_FIELDS = ("call_id", "call_type", "user_principal_name", "callee_number", "caller_number", "start_at", "end_at",
              "duration_seconds", "conference_id", "operator", "duration_source")
USAGE_FIELDS = ("tenant", "pool", "call_record", "user", "minutes", "used_at")
DURATION_SOURCES = tuple(DurationSource.values)
# Which field a refusal is about, so the error points at what the sender can check.
REFUSAL_FIELD: dict[str, str] = {
    BlockReason.PREMIUM_DESTINATION: "callee_number",
    BlockReason.NO_RATE: "callee_number",
    BlockReason.INSUFFICIENT_CREDITS: "charge",
    BlockReason.PAY_AS_YOU_GO_UNFUNDED: "charge",
}


# A minute pool of one month: (month, PoolRef).
PoolKey = tuple[datetime.date, PoolRef]


@dataclass(frozen=True, slots=True)
class RowError:
    index: int
    field: str
    message: str
    call_id: str = ""


@dataclass
class ImportResult:
    imported: int = 0
    charged: Decimal = Decimal("0.00")
    pool_minutes: int = 0
    credit_minutes: int = 0
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # [(index, call id)]
    errors: list[RowError] = field(default_factory=list)


@dataclass(slots=True)
class _Row:
    index: int
    call_id: str
    call_type: str
    upn: str
    callee: str
    caller: str
    start_at: datetime.datetime
    end_at: datetime.datetime
    duration: int
    conference_id: str
    operator: str
    duration_source: str


@dataclass(slots=True)
class _Routed:
    """A clean row, its parties and the route that pays it."""

    row: _Row
    party: CallParty
    route: Route
    rate: RateMatch | None
    pool_key: PoolKey | None  # the pool that pays first


# A call routed, then paid: (call, split, capability, pool or None).
Accepted = tuple[_Routed, CallSplit, str, MinutePool | None]
# A field's errors, as ValidationError.message_dict holds them: (field, [messages]).
FieldErrors = list[tuple[str, list[str]]]
_Params = ParamSpec("_Params")
_Clean = TypeVar("_Clean")


def call_records_import(*, tenant: Tenant, rows: object, actor: User | None = None,
                        now: datetime.datetime | None = None) -> ImportResult:
    """Rates and charges up to 10,000 finished calls (dicts keyed by ROW_FIELDS) -> ImportResult."""
    now = now or timezone.now()
    limit = call_limits().import_batch_rows
    if not isinstance(rows, list | tuple):
        raise ValidationError({"value": "Send the call records as a list."})
    if len(rows) > limit:
        raise ValidationError({"value": f"At most {limit:,} call records per request; this one has {len(rows):,}."})
    result = ImportResult()
    cleaned = _clean_rows(rows, now, result, call_limits())
    directory = BatchDirectory(tenant, upns={row.upn for row in cleaned if row.upn},
                               numbers={row.callee for row in cleaned if row.call_type not in USER_CALL_TYPES})
    routed = _route_rows(tenant, cleaned, directory, result)
    with transaction.atomic(durable=True):
        account = credit_locks.credit_account_for_update(tenant=tenant)
        routed = _drop_known(tenant, account, routed, result)
        if routed:
            _apply(tenant, account, routed, result, actor, now)
    result.errors.sort(key=lambda error: error.index)
    return result


def _take(errors: FieldErrors, clean: Callable[_Params, _Clean], *args: _Params.args,
          **kwargs: _Params.kwargs) -> _Clean | None:
    """clean(*args, **kwargs), or None with its field errors added to `errors`."""
    try:
        return clean(*args, **kwargs)
    except ValidationError as exc:
        errors.extend(exc.message_dict.items())
        return None


def _clean_rows(rows: Sequence[object], now: datetime.datetime, result: ImportResult, limits: CallLimits) -> list[_Row]:
    cleaned: list[_Row] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows):
        if not isinstance(raw, dict):
            result.errors.append(RowError(index, "", "A call record must be an object."))
            continue
        errors: FieldErrors = []
        call_id = _take(errors, clean_call_id, raw.get("call_id"))
        call_type = _take(errors, clean_call_type, raw.get("call_type"))
        start = _take(errors, clean_start, raw.get("start_at"), now=now, limits=limits)
        duration, end = None, None
        if raw.get("end_at") not in (None, ""):
            end = _take(errors, clean_datetime, raw.get("end_at"), field="end_at")
        if raw.get("duration_seconds") not in (None, ""):
            duration = _take(errors, clean_duration, raw.get("duration_seconds"), limits=limits)
        elif end is not None and start is not None:
            duration = _take(errors, duration_between, start, end, limits=limits)
        elif end is None and start is not None:
            errors.append(("duration_seconds", ["Send the duration in seconds or the end time of the call."]))
        if duration is not None and start is not None and end is not None and end < start:
            errors.append(("end_at", [f"The call ends ({end:%Y-%m-%d %H:%M:%S} UTC) before it starts "
                                      f"({start:%Y-%m-%d %H:%M:%S} UTC)."]))
        upn = _take(errors, clean_upn, raw.get("user_principal_name"))
        numbers = [_take(errors, clean_text, raw.get(name), field=name, max_length=64)
                   for name in ("callee_number", "caller_number")]
        conference_id = _take(errors, clean_text, raw.get("conference_id"), field="conference_id", max_length=128)
        operator = _take(errors, clean_text, raw.get("operator") or "Microsoft", field="operator", max_length=64)
        source = (_take(errors, clean_text, raw.get("duration_source") or DurationSource.MICROSOFT,
                        field="duration_source") or "").lower()
        if not errors and source not in DURATION_SOURCES:
            errors.append(("duration_source", [f"'{source}' is not a source of call duration; use "
                                               f"{' or '.join(DURATION_SOURCES)}."]))
        if errors:
            for name, messages in errors:
                result.errors.extend(RowError(index, name, message, call_id or "") for message in messages)
            continue
        callee, caller = numbers
        if (call_id is None or call_type is None or start is None or duration is None or upn is None or callee is None
                or caller is None or conference_id is None or operator is None):
            raise AssertionError("A field cleaned to None without an error.")  # each None above adds its error
        if call_id in seen:
            result.duplicates.append((index, call_id))
            continue
        seen[call_id] = index
        if end is None:
            end = start + datetime.timedelta(seconds=duration)
        cleaned.append(_Row(index, call_id, call_type, upn, callee, caller, start, end, duration, conference_id,
                            operator, source))
    return cleaned


def _route_rows(tenant: Tenant, cleaned: list[_Row], directory: BatchDirectory, result: ImportResult) -> list[_Routed]:
    book = rate_cache.book()
    not_pooled = not_pooled_plans(CALLING_PLANS_BY_PRECEDENCE)
    # route_call is a pure function of what the key holds (a user's plans are the directory's, fixed for the
    # batch): rows that agree on it share one Route instead of each building its own.
    routes: dict[tuple[str, object, str, str, str, str | None, str], Route] = {}
    days: dict[datetime.date, DayRates] = {}
    routed: list[_Routed] = []
    for row in cleaned:
        try:
            party: CallParty = call_party(directory=directory, call_type=row.call_type, user_principal_name=row.upn,
                               callee_number=row.callee, caller_number=row.caller)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                result.errors.extend(RowError(row.index, name, message, row.call_id) for message in messages)
            continue
        callee, user, number = party.callee, party.user, party.tenant_number
        rate = None
        if row.call_type in RATED_CALL_TYPES:
            day = row.start_at.date()  # start_at is in UTC: the rating day
            rates = days.get(day)
            if rates is None:
                rates = days[day] = book.rates_on(tenant=tenant, day=day)
            rate = rates.lookup(callee.digits)
        key = (row.call_type, user.pk if user else None, party.home_country, callee.country, callee.number_type,
               rate.number_type if rate is not None else None, number.kind if number else "")
        route = routes.get(key)
        if route is None:
            route = routes[key] = route_call(
                call_type=row.call_type, plans=party.plans, home_country=party.home_country, destination=callee,
                number_type=key[5], service_number_kind=key[6], user_id=key[1], not_pooled=not_pooled)
        if route.free:
            rate = None
        elif not route.is_blocked and rate is None:
            route = Route(blocked=BlockReason.NO_RATE)
        if route.blocked is not None:
            _refuse(result, row, route.blocked)
            continue
        pool_key = (pool_month(row.start_at), route.pool) if route.pool is not None else None
        routed.append(_Routed(row, party, route, rate, pool_key))
    return routed


def _refuse(result: ImportResult, row: _Row, reason: str) -> None:
    name = REFUSAL_FIELD.get(reason, "user_principal_name")
    result.errors.append(RowError(row.index, name, f"Not recorded: {BlockReason(reason).label.lower()}.", row.call_id))


def _drop_known(tenant: Tenant, account: CreditAccount, routed: list[_Routed],
                result: ImportResult) -> list[_Routed]:
    """Leaves out call ids already recorded, authorized in real time or charged (read under the account lock)."""
    known = _known_call_ids(tenant, account, [call.row.call_id for call in routed])
    if not known:
        return routed
    result.duplicates.extend((call.row.index, call.row.call_id) for call in routed if call.row.call_id in known)
    result.duplicates.sort()
    return [call for call in routed if call.row.call_id not in known]


# Each id is looked up by itself in the unique index that holds it (a LATERAL subquery with LIMIT 1 is always run as
# one index probe per id): an `= ANY(ids)` filter lets the planner scan the tenant's whole table instead, which it
# does as soon as the table is large or its statistics are stale.
_KNOWN_SQL = f"""
    SELECT batch.call_id FROM unnest(%(ids)s::varchar[]) AS batch (call_id), LATERAL (
        SELECT 1 FROM {CallRecord._meta.db_table} WHERE tenant_id = %(tenant)s AND call_id = batch.call_id LIMIT 1) AS found
    UNION ALL SELECT batch.call_id FROM unnest(%(ids)s::varchar[]) AS batch (call_id), LATERAL (
        SELECT 1 FROM {CallAuthorization._meta.db_table} WHERE tenant_id = %(tenant)s AND call_id = batch.call_id
        LIMIT 1) AS found
    UNION ALL SELECT batch.call_id FROM unnest(%(ids)s::varchar[]) AS batch (call_id), LATERAL (
        SELECT 1 FROM {LedgerEntry._meta.db_table} WHERE account_id = %(account)s AND call_id = batch.call_id
        AND kind IN ({", ".join(f"'{kind}'" for kind in LedgerEntry.CHARGE_KINDS)}) LIMIT 1) AS found
"""  # noqa: S608 (table names and the ledger's own kinds only)


def _known_call_ids(tenant: Tenant, account: CreditAccount, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    if is_postgresql():  # one round trip, the ids sent once as one array instead of 30,000 bound values
        with connection.cursor() as cursor:
            cursor.execute(_KNOWN_SQL, {"ids": ids, "tenant": tenant.pk, "account": account.pk})
            return {row[0] for row in cursor.fetchall()}
    known: set[str] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        known.update(CallRecord.objects.filter(tenant=tenant, call_id__in=chunk).values_list("call_id", flat=True))
        known.update(CallAuthorization.objects.filter(tenant=tenant, call_id__in=chunk).values_list("call_id", flat=True))
        known.update(LedgerEntry.objects.filter(account=account, kind__in=LedgerEntry.CHARGE_KINDS, call_id__in=chunk)
                     .values_list("call_id", flat=True))
    return known


def _lock_pools(tenant: Tenant, routed: list[_Routed]) -> dict[PoolKey, MinutePool]:
    refs = {call.pool_key for call in routed if call.pool_key is not None}
    if not refs:
        return {}
    plans = {ref.plan for _, ref in refs if ref.kind != MinutePool.Kind.PER_USER}
    counts = assigned_plan_counts(tenant=tenant, plan_names=plans) if plans else {}
    owners = {call.party.user.pk: call.party.plans for call in routed if call.party.user is not None}
    pools: dict[PoolKey, MinutePool] = {}
    for month, ref in sorted(refs, key=lambda key: (key[0], key[1].kind, key[1].plan, key[1].country,
                                                     str(key[1].user_id or ""))):
        pool = lock_objects.minute_pool_for_update(tenant=tenant, month=month, ref=ref)
        pool.capacity_minutes = pool_capacity(tenant=tenant, ref=ref, user_plans=owners.get(ref.user_id, frozenset()),
                                              counts=counts)
        pools[(month, ref)] = pool
    return pools


_START_ORDER = operator.attrgetter("row.start_at", "row.index")


def _apply(tenant: Tenant, account: CreditAccount, routed: list[_Routed], result: ImportResult, actor: User | None,
           now: datetime.datetime) -> None:
    pools = _lock_pools(tenant, routed)
    taken = dict.fromkeys(pools, 0)
    available = credits_balance(tenant=tenant, now=now).available
    accepted: list[Accepted] = []
    charges: list[tuple[str, Decimal, str, str]] = []
    for call in sorted(routed, key=_START_ORDER):
        row, route = call.row, call.route
        if route.free:
            accepted.append((call, FREE_CALL, route.capability, None))
            continue
        key = call.pool_key
        pool = pools.get(key) if key is not None else None
        left = max(0, pool.capacity_minutes - pool.used_minutes - pool.held_minutes - taken[key]) if pool and key else 0
        split = split_call(rate=call.rate, duration_seconds=row.duration, pool_minutes_available=left)
        charge = split.credit.charge.amount
        if split.credit_seconds and not route.credits:
            _refuse(result, row, route.refusal if route.pool is None else BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE)
            continue
        if charge > available:
            result.errors.append(RowError(row.index, "charge", f"Not recorded: the Communications Credits available "
                                          f"(${available:,.2f}) don't cover this call's ${charge:,.2f}.", row.call_id))
            continue
        available -= charge
        if pool is not None and key is not None:
            taken[key] += split.pool_minutes
        capability = Capability.MCOPSTNPP if charge > 0 else route.capability
        accepted.append((call, split, capability, pool))
        if charge > 0:
            kind = LedgerEntry.Kind.TOLL_FREE_CHARGE if row.call_type in SERVICE_INBOUND else LedgerEntry.Kind.CALL_CHARGE
            charges.append((row.call_id, charge, kind, f"{row.call_type} to {call.party.callee.e164}"[:200]))
    if not accepted:
        return
    # credits_debit_batch decides by the credit rules and fires the balance events (auto-recharge, emails) itself.
    _write(tenant, account, accepted, charges, pools, taken, result, actor, now)


def _write(tenant: Tenant, account: CreditAccount, accepted: list[Accepted], charges: list[tuple[str, Decimal, str, str]],
           pools: dict[PoolKey, MinutePool], taken: dict[PoolKey, int], result: ImportResult, actor: User | None,
           now: datetime.datetime) -> None:
    ids = reserve_ids(CallRecord, len(accepted)) or [None] * len(accepted)
    records = (
        record_row(tenant_id=tenant.pk, call_id=call.row.call_id, call_type=call.row.call_type,
                   user_id=call.party.user.pk if call.party.user else None,
                   details=call_details(tenant=tenant, party=call.party, rate=call.rate), start_at=call.row.start_at,
                   end_at=call.row.end_at, duration_seconds=call.row.duration, split=split, capability=capability,
                   pool_id=pool.pk if pool is not None else None, rate=call.rate, source=CallSource.IMPORT,
                   created_at=now, conference_id=call.row.conference_id, operator=call.row.operator,
                   duration_source=call.row.duration_source, record_id=record_id)
        for record_id, (call, split, capability, pool) in zip(ids, accepted, strict=True))
    record_ids = insert_rows(CallRecord, RECORD_FIELDS, records)
    usages = []
    for record_id, (call, split, _, pool) in zip(record_ids, accepted, strict=True):
        result.pool_minutes += split.pool_minutes
        result.credit_minutes += split.credit_minutes
        if split.pool_minutes and pool is not None:
            usages.append((tenant.pk, pool.pk, record_id, call.party.user.pk if call.party.user else None,
                           split.pool_minutes, call.row.start_at))
    insert_rows(MinutePoolUsage, USAGE_FIELDS, usages)
    result.charged = credits_debit_batch(account=account, charges=charges, actor=actor, at=now)
    # The users' spend-limit notices (80%, 100%), decided as for a completed call (billing/spend/calls.py).
    spend_calls.after_import_charges(tenant=tenant, record_ids=record_ids)
    for key, pool in pools.items():
        if taken[key]:
            pool.used_minutes += taken[key]
            pool.updated_at = now
            pool.save(update_fields=["used_minutes", "capacity_minutes", "updated_at"])
            pool_notify_thresholds(tenant=tenant, pool=pool, now=now)
    result.imported = len(accepted)
    audit_record(tenant=tenant, actor=actor, action="rating.call_records_import", target_type="rating.CallRecord",
                 target_label=f"{result.imported:,} call records",
                 after={"imported": result.imported, "charged": str(result.charged), "pool_minutes": result.pool_minutes,
                        "duplicates": len(result.duplicates), "errors": len(result.errors)})
