"""The plain-SQL executor of the credit rules (core/sql.py says why plain SQL): read the state, apply the plan.

`locked_state` takes the tenant's credit account lock and reads, in one statement, everything a call's debit,
hold or release decides on (billing/credits/decisions.py): the balance, the live holds, this call's reservation
and charge, whether a lot is due to expire, and the thresholds balance events compare against; the funded lots
come along in the same statement as one JSON value. `apply` writes a Plan with
single-row statements. No rule lives here: billing/credits/services/ledger.py's ORM executor applies the same
plans, and tests/billing/test_ledger_differential.py proves the two leave identical ledgers.

Lots are read without a row lock: every writer of lots holds the account lock first (billing/credits/lock_objects.py).
"""
import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection

from accounts.models import Tenant
from billing.credits import chain
from billing.credits import decisions as rules
from billing.credits.lock_objects import LOCK_ACCOUNT
from billing.credits.models import AutoRechargeSettings, CreditAccount, LedgerEntry, Lot, Reservation
from billing.notifications.models import NotificationSettings
from core.money import db_money
from core.sql import (
    Columns,
    Statement,
    column,
    db_value,
    fetch_one,
    insert,
    insert_columns,
    insert_parts,
    inserted,
    literal,
    rows,
    table,
)

ZERO = Decimal("0.00")
# Tests set this to False to run every request through the ORM executor (the differential test).
ENABLED = True

_STATE_COLUMNS = Columns(
    (CreditAccount, "a", "id"), (CreditAccount, "a", "balance"),
    (LedgerEntry, "e", "id"), (LedgerEntry, "e", "kind"), (LedgerEntry, "e", "amount"),
    (Reservation, "r", "id"), (Reservation, "r", "amount"), (Reservation, "r", "status"), (Reservation, "r", "expires_at"),
    (AutoRechargeSettings, "s", "enabled"), (AutoRechargeSettings, "s", "paused"),
    (AutoRechargeSettings, "s", "trigger_amount"), (NotificationSettings, "n", "low_balance_levels"))


def _lots_json(lot: str) -> str:
    """The funded lots of account `a` as one JSON array of [id, remaining, purchased_at, expires_at, purchase_id]."""
    columns = [f"l.{column(Lot, name)}" for name in ("id", "remaining", "purchased_at", "expires_at", "purchase")]
    where = (f"FROM {lot} l WHERE l.{column(Lot, 'account')} = a.{column(CreditAccount, 'id')} "
             f"AND l.{column(Lot, 'funded')}")
    if connection.vendor == "postgresql":
        columns[1] += "::text"  # exact: JSON numbers would come back as floats
        return f"(SELECT COALESCE(json_agg(json_build_array({', '.join(columns)}))::text, '[]') {where})"
    return f"(SELECT json_group_array(json_array({', '.join(columns)})) {where})"


def _parse_lots(text: str | None) -> tuple[rules.LotState, ...]:
    lots: list[rules.LotState] = []
    for lot_id, remaining, purchased_at, expires_at, purchase_id in json.loads(text or "[]", parse_float=Decimal):
        lots.append(rules.LotState(lot_id, _amount(remaining), _moment(purchased_at), _moment(expires_at), purchase_id))
    return tuple(sorted(lots, key=lambda lot: (lot.purchased_at, lot.id)))  # first in, first out


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _state_sql(locking: bool = False) -> str:
    """The state read of the account with id %s; `locking`: of the tenant's account, taking its lock in the same
    statement (LOCK_ACCOUNT as a WITH, its tenant parameter first) and ending the row with the lock_version the
    lock left and the one the read's snapshot saw (locked_state says why)."""
    account, reservation, entry, lot = table(CreditAccount), table(Reservation), table(LedgerEntry), table(Lot)
    version = column(CreditAccount, "lock_version")
    lock = f"WITH l AS ({LOCK_ACCOUNT.sql}) " if locking else ""
    versions = f", (SELECT {version} FROM l), a.{version}" if locking else ""
    which = "(SELECT id FROM l)" if locking else "%s"
    return f"""{lock}
        SELECT {_STATE_COLUMNS.sql},
          (SELECT COALESCE(SUM(h.{column(Reservation, 'amount')}), 0) FROM {reservation} h
            WHERE h.{column(Reservation, 'account')} = a.{column(CreditAccount, 'id')}
              AND h.{column(Reservation, 'status')} = {literal(Reservation.Status.HELD)}
              AND h.{column(Reservation, 'expires_at')} > %s),
          {_lots_json(lot)},
          (SELECT p.{column(LedgerEntry, 'chain_hash')} FROM {entry} p
            WHERE p.{column(LedgerEntry, 'account')} = a.{column(CreditAccount, 'id')}
            ORDER BY p.{column(LedgerEntry, 'id')} DESC LIMIT 1){versions}
        FROM {account} a
        LEFT JOIN {reservation} r ON r.{column(Reservation, 'account')} = a.{column(CreditAccount, 'id')}
          AND r.{column(Reservation, 'call_id')} = %s
        LEFT JOIN {entry} e ON e.{column(LedgerEntry, 'account')} = a.{column(CreditAccount, 'id')}
          AND e.{column(LedgerEntry, 'call_id')} = %s
          AND e.{column(LedgerEntry, 'kind')} IN ({', '.join(literal(kind) for kind in LedgerEntry.CHARGE_KINDS)})
        LEFT JOIN {table(AutoRechargeSettings)} s
          ON s.{column(AutoRechargeSettings, 'tenant')} = a.{column(CreditAccount, 'tenant')}
        LEFT JOIN {table(NotificationSettings)} n
          ON n.{column(NotificationSettings, 'tenant')} = a.{column(CreditAccount, 'tenant')}
        WHERE a.{column(CreditAccount, 'id')} = {which}"""


_STATE = Statement(_state_sql)
_SPEND_LOT = Statement(lambda: f"UPDATE {table(Lot)} SET {column(Lot, 'remaining')} = %s WHERE {column(Lot, 'id')} = %s")
_FORFEIT_LOT = Statement(lambda: (f"UPDATE {table(Lot)} SET {column(Lot, 'remaining')} = %s, "
                                  f"{column(Lot, 'expired_at')} = %s WHERE {column(Lot, 'id')} = %s"))
_SET_BALANCE = Statement(lambda: (f"UPDATE {table(CreditAccount)} SET {column(CreditAccount, 'balance')} = %s "
                                  f"WHERE {column(CreditAccount, 'id')} = %s"))


def _settle_reservation_sql(entry: str) -> str:
    return (f"UPDATE {table(Reservation)} SET {column(Reservation, 'status')} = %s, {column(Reservation, 'entry')} = "
            f"{entry}, {column(Reservation, 'settled_at')} = %s WHERE {column(Reservation, 'id')} = %s")


_SETTLE_RESERVATION = Statement(lambda: _settle_reservation_sql("%s"))


def _amount(value: object) -> Decimal:
    """A money column read back (NULL, as a SUM over no rows, is zero)."""
    amount = db_money(value)
    return ZERO if amount is None else amount


_LOCK_AND_STATE = Statement(lambda: _state_sql(locking=True))


def locked_state(*, tenant: Tenant, call_id: str, now: datetime) -> rules.AccountState | None:
    """Locks the tenant's credit account and reads what a request about `call_id` decides on; None without an account.

    The lock must come before the read: under READ COMMITTED a statement reads every table as of its start, so
    a lock it then waits for can be released by a transaction whose holds, entries and lots it does not see.
    On PostgreSQL the lock (an UPDATE that raises lock_version, billing/credits/lock_objects.py) and the read
    are one statement, and the read checks itself: it sees the lock_version as of its start, and the lock
    leaves that plus one only if no other holder of the lock committed in between. Otherwise (the lock was
    waited for, or a holder committed just before) the state is read again by a second statement, which starts
    with the lock held and sees everything committed. Elsewhere (SQLite serialises writers) the lock, then the
    read. The read brings the funded lots along as one JSON value, so a debit needs no third statement.
    """
    tenant_id = db_value(CreditAccount, "tenant", tenant.pk)
    params = [db_value(Reservation, "expires_at", now), call_id, call_id]
    if connection.vendor == "postgresql":
        found = _LOCK_AND_STATE.rows([tenant_id, *params])
        if not found:
            return None
        row, (locked_version, seen_version) = found[0][:-2], found[0][-2:]
        if locked_version != seen_version + 1:
            row = _STATE.rows([*params, row[0]])[0]
    else:
        locked = LOCK_ACCOUNT.rows([tenant_id])
        if not locked:
            return None
        row = _STATE.rows([*params, locked[0][0]])[0]
    (account_id, balance, entry_id, entry_kind, entry_amount, reservation_id, reservation_amount, reservation_status,
     reservation_expires, enabled, paused, trigger, levels) = _STATE_COLUMNS.convert(row[:-3])
    held, lots, chain_head = row[-3:]
    if isinstance(levels, str):
        levels = json.loads(levels)
    return rules.AccountState(
        account_id=account_id, now=now, balance=_amount(balance), held=_amount(held), lots=_parse_lots(lots),
        watched=rules.Watched.of(enabled=enabled, paused=paused, trigger=db_money(trigger), levels=levels),
        call_id=call_id, chain_head=chain_head or "",
        reservation=(rules.ReservationState(reservation_id, _amount(reservation_amount), reservation_status,
                                            reservation_expires) if reservation_id is not None else None),
        earlier=rules.EarlierEntry(entry_id, entry_kind, _amount(entry_amount)) if entry_id is not None else None)


def apply(state: rules.AccountState, plan: rules.Plan, *, by_actor: dict[str, Any],
          by_system: dict[str, Any]) -> tuple[list[LedgerEntry], Reservation | None]:
    """Writes `plan` (not a replay); returns (the request's own entries, the new reservation or None).

    On PostgreSQL in one statement (_apply_in_one); elsewhere one statement per row."""
    if connection.vendor == "postgresql":
        return _apply_in_one(state, plan, by_actor=by_actor, by_system=by_system)
    for change in plan.lot_changes:
        remaining = db_value(Lot, "remaining", change.remaining)
        if change.expired:
            _FORFEIT_LOT.execute([remaining, db_value(Lot, "expired_at", state.now), change.lot_id])
        else:
            _SPEND_LOT.execute([remaining, change.lot_id])
    entries = [insert(entry) for entry in _sealed_entries(state, plan, by_actor=by_actor, by_system=by_system)]
    if plan.balance_after != state.balance:
        if _SET_BALANCE.execute([db_value(CreditAccount, "balance", plan.balance_after), state.account_id]) != 1:
            raise RuntimeError(f"Credit account {state.account_id} vanished under its lock.")
    own = entries[plan.forfeits:]
    if plan.reservation_status is not None:
        entry_id = own[-1].pk if plan.reservation_status == rules.CONVERTED else None
        _SETTLE_RESERVATION.execute([plan.reservation_status, entry_id, db_value(Reservation, "settled_at", state.now),
                                     plan.reservation_id])
    reservation: Reservation | None = None
    if plan.hold is not None:
        reservation = insert(Reservation(account_id=state.account_id, call_id=plan.hold.call_id, amount=plan.hold.amount,
                                         expires_at=plan.hold.expires_at, created_at=state.now))
    return own, reservation


def _sealed_entries(state: rules.AccountState, plan: rules.Plan, *, by_actor: dict[str, Any],
                    by_system: dict[str, Any]) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    previous = state.chain_head
    for new in plan.entries:
        entry = LedgerEntry(
            account_id=state.account_id, kind=new.kind, amount=new.amount, balance_after=new.balance_after,
            idempotency_key=new.idempotency_key, created_at=new.at, call_id=new.call_id, memo=new.memo,
            lot_id=new.lot_id, purchase_id=new.purchase_id, reference=new.reference,
            **(by_actor if new.by_actor else by_system))
        entry.chain_hash = previous = chain.seal(previous, entry)
        entries.append(entry)
    return entries


@cache
def _apply_sql(expired: tuple[bool, ...], entry_count: int, balance_moves: bool, settles: bool, converts: bool,
               holds: bool) -> str:
    """The statement _apply_in_one() sends for a plan of this shape (PostgreSQL), written once per shape."""
    parts = [f"l{index} AS ({(_FORFEIT_LOT if gone else _SPEND_LOT).sql})" for index, gone in enumerate(expired)]
    entry_columns = ", ".join(name for name, _ in insert_columns(LedgerEntry))
    placeholders = ", ".join(["%s"] * len(insert_columns(LedgerEntry)))
    for index in range(entry_count):
        source = f" FROM e{index - 1}" if index else ""
        parts.append(f"e{index} AS (INSERT INTO {table(LedgerEntry)} ({entry_columns}) "
                     f"SELECT {placeholders}{source} RETURNING {column(LedgerEntry, 'id')})")
    if balance_moves:
        parts.append(f"b AS ({_SET_BALANCE.sql} RETURNING {column(CreditAccount, 'id')})")
    if settles:
        parts.append(f"s AS ({_settle_reservation_sql(f'(SELECT id FROM e{entry_count - 1})' if converts else 'NULL')})")
    if holds:
        columns = insert_columns(Reservation)
        parts.append(f"h AS (INSERT INTO {table(Reservation)} ({', '.join(name for name, _ in columns)}) "
                     f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {column(Reservation, 'id')})")
    selected = [f"(SELECT id FROM e{index})" for index in range(entry_count)]
    selected.append("(SELECT count(*) FROM b)" if balance_moves else "1")
    selected.append("(SELECT id FROM h)" if holds else "NULL")
    return f"WITH {', '.join(parts)} SELECT {', '.join(selected)}"


def _apply_in_one(state: rules.AccountState, plan: rules.Plan, *, by_actor: dict[str, Any],
                  by_system: dict[str, Any]) -> tuple[list[LedgerEntry], Reservation | None]:
    """apply() as one PostgreSQL statement (WITH ... UPDATE/INSERT ...): the same rows as the statements of apply().

    Each entry is inserted by selecting from the one before it, so the entries take their ids, the hash chain's
    order, in the plan's order. The statement's text depends only on the plan's shape, so it is prepared once."""
    params: list[Any] = []
    for change in plan.lot_changes:
        params.append(db_value(Lot, "remaining", change.remaining))
        if change.expired:
            params.append(db_value(Lot, "expired_at", state.now))
        params.append(change.lot_id)
    entries = _sealed_entries(state, plan, by_actor=by_actor, by_system=by_system)
    for entry in entries:
        params += insert_parts(entry)[1]
    balance_moves = plan.balance_after != state.balance
    if balance_moves:
        params += [db_value(CreditAccount, "balance", plan.balance_after), state.account_id]
    converts = plan.reservation_status == rules.CONVERTED
    if plan.reservation_status is not None:
        params += [plan.reservation_status, db_value(Reservation, "settled_at", state.now), plan.reservation_id]
    reservation: Reservation | None = None
    if plan.hold is not None:
        reservation = Reservation(account_id=state.account_id, call_id=plan.hold.call_id, amount=plan.hold.amount,
                                  expires_at=plan.hold.expires_at, created_at=state.now)
        params += insert_parts(reservation)[1]
    if not params:
        return [], None
    sql = _apply_sql(tuple(change.expired for change in plan.lot_changes), len(entries), balance_moves,
                     plan.reservation_status is not None, converts, reservation is not None)
    row = rows(sql, params)[0]
    for entry, entry_id in zip(entries, row, strict=False):
        inserted(entry, entry_id)
    if row[len(entries)] != 1:
        raise RuntimeError(f"Credit account {state.account_id} vanished under its lock.")
    if reservation is not None:
        inserted(reservation, row[-1])
    return entries[plan.forfeits:], reservation


def entry_by_id(entry_id: int) -> LedgerEntry | None:
    return fetch_one(LedgerEntry, f"{column(LedgerEntry, 'id')} = %s", [entry_id])


def reservation_by_id(reservation_id: int) -> Reservation | None:
    return fetch_one(Reservation, f"{column(Reservation, 'id')} = %s", [reservation_id])
