"""The statements of a plain debit and a plain hold, written once in SQL (core/sql.py says why).

`locked_state` takes the tenant's credit account lock and reads, in the same statement, everything a call's
debit or hold decides on: the balance, the live holds, this call's reservation and charge, whether a lot is
due to expire, and what `balance_changed` watches. When nothing is unusual (the call was never charged, no
lot is due) the ledger services finish with a few single-row writes here; otherwise they take their general
path in billing/credits/services/ledger.py, which handles every case with the ORM.

Lots are read without a row lock: every writer of lots holds the account lock first (billing/credits/lock_objects.py).
"""
import json
from dataclasses import dataclass
from decimal import Decimal

from billing.credits.models import AutoRechargeSettings, CreditAccount, LedgerEntry, Lot, Reservation
from billing.credits.rules import CENT
from billing.notifications.models import NotificationSettings
from core.sql import Statement, column, db_value, for_update, insert, table

ZERO = Decimal("0.00")


def money(value):
    """A database number as Decimal cents (SQLite hands back sums and decimals as int or float)."""
    if value is None:
        return None
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT)


@dataclass(frozen=True, slots=True)
class LockedState:
    account_id: int
    balance: Decimal
    held: Decimal  # live holds of every call, this one's included
    charged: bool  # the call already has a charge entry
    lot_due: bool  # a lot with money left has reached its expiry
    reservation_id: int | None
    reservation_amount: Decimal | None
    reservation_status: str | None
    reservation_holding: bool
    watched: dict  # the shape of balance_events._watched()

    @property
    def plain_debit(self):
        return not self.charged and not self.lot_due

    @property
    def plain_reserve(self):
        return not self.charged and not self.lot_due and self.reservation_id is None


def _state_sql():
    account, reservation, entry, lot = table(CreditAccount), table(Reservation), table(LedgerEntry), table(Lot)
    return f"""
        SELECT a.{column(CreditAccount, 'id')}, a.{column(CreditAccount, 'balance')},
          (SELECT COALESCE(SUM(h.{column(Reservation, 'amount')}), 0) FROM {reservation} h
            WHERE h.{column(Reservation, 'account')} = a.{column(CreditAccount, 'id')}
              AND h.{column(Reservation, 'status')} = %s AND h.{column(Reservation, 'expires_at')} > %s),
          EXISTS (SELECT 1 FROM {entry} e WHERE e.{column(LedgerEntry, 'account')} = a.{column(CreditAccount, 'id')}
              AND e.{column(LedgerEntry, 'call_id')} = %s AND e.{column(LedgerEntry, 'kind')} IN (%s, %s)),
          EXISTS (SELECT 1 FROM {lot} l WHERE l.{column(Lot, 'account')} = a.{column(CreditAccount, 'id')}
              AND l.{column(Lot, 'remaining')} > 0 AND l.{column(Lot, 'expires_at')} <= %s),
          r.{column(Reservation, 'id')}, r.{column(Reservation, 'amount')}, r.{column(Reservation, 'status')},
          CASE WHEN r.{column(Reservation, 'expires_at')} > %s THEN 1 ELSE 0 END,
          s.{column(AutoRechargeSettings, 'enabled')}, s.{column(AutoRechargeSettings, 'paused')},
          s.{column(AutoRechargeSettings, 'trigger_amount')}, n.{column(NotificationSettings, 'low_balance_levels')}
        FROM {account} a
        LEFT JOIN {reservation} r ON r.{column(Reservation, 'account')} = a.{column(CreditAccount, 'id')}
          AND r.{column(Reservation, 'call_id')} = %s
        LEFT JOIN {table(AutoRechargeSettings)} s
          ON s.{column(AutoRechargeSettings, 'tenant')} = a.{column(CreditAccount, 'tenant')}
        LEFT JOIN {table(NotificationSettings)} n
          ON n.{column(NotificationSettings, 'tenant')} = a.{column(CreditAccount, 'tenant')}
        WHERE a.{column(CreditAccount, 'tenant')} = %s{for_update(of="a")}"""


_STATE = Statement(_state_sql)
_FUNDED_LOTS = Statement(lambda: (
    f"SELECT {column(Lot, 'id')}, {column(Lot, 'remaining')} FROM {table(Lot)} "
    f"WHERE {column(Lot, 'account')} = %s AND {column(Lot, 'remaining')} > 0 "
    f"ORDER BY {column(Lot, 'purchased_at')}, {column(Lot, 'id')}"))
_SPEND_LOT = Statement(lambda: f"UPDATE {table(Lot)} SET {column(Lot, 'remaining')} = %s WHERE {column(Lot, 'id')} = %s")
_SET_BALANCE = Statement(lambda: (f"UPDATE {table(CreditAccount)} SET {column(CreditAccount, 'balance')} = %s "
                                  f"WHERE {column(CreditAccount, 'id')} = %s"))
_CONVERT_RESERVATION = Statement(lambda: (
    f"UPDATE {table(Reservation)} SET {column(Reservation, 'status')} = %s, {column(Reservation, 'entry')} = %s, "
    f"{column(Reservation, 'settled_at')} = %s WHERE {column(Reservation, 'id')} = %s"))


def locked_state(*, tenant, call_id, now):
    """Locks the tenant's credit account and reads what a debit or hold of `call_id` needs; None without an account."""
    at = db_value(Reservation, "expires_at", now)
    found = _STATE.rows([
        Reservation.Status.HELD, at, call_id, *LedgerEntry.CHARGE_KINDS, db_value(Lot, "expires_at", now), at, call_id,
        db_value(CreditAccount, "tenant", tenant.pk)])
    if not found:
        return None
    (account_id, balance, held, charged, lot_due, reservation_id, reservation_amount, reservation_status, holding,
     enabled, paused, trigger, levels) = found[0]
    if isinstance(levels, str):
        levels = json.loads(levels)
    return LockedState(
        account_id=account_id, balance=money(balance), held=money(held), charged=bool(charged), lot_due=bool(lot_due),
        reservation_id=reservation_id, reservation_amount=money(reservation_amount),
        reservation_status=reservation_status, reservation_holding=reservation_id is not None and bool(holding),
        watched={"auto_recharge__enabled": enabled, "auto_recharge__paused": paused,
                 "auto_recharge__trigger_amount": money(trigger), "notification_settings__low_balance_levels": levels})


def spend_lots(account_id, amount):
    """Takes `amount` from the account's lots, oldest purchase first (the caller checked the balance covers it)."""
    left = amount
    for lot_id, remaining in _FUNDED_LOTS.rows([account_id]):
        if not left:
            break
        remaining = money(remaining)
        take = min(remaining, left)
        _SPEND_LOT.execute([db_value(Lot, "remaining", remaining - take), lot_id])
        left -= take
    if left:
        raise RuntimeError(f"The lots of account {account_id} hold less than its balance; run manage.py check_ledger.")


def append_entry(*, account_id, kind, amount, balance_after, idempotency_key, at, call_id, memo, actor, actor_label):
    return insert(LedgerEntry(account_id=account_id, kind=kind, amount=amount, balance_after=balance_after,
                              idempotency_key=idempotency_key, created_at=at, call_id=call_id, memo=memo, actor=actor,
                              actor_label=actor_label))


def set_balance(account_id, balance):
    if _SET_BALANCE.execute([db_value(CreditAccount, "balance", balance), account_id]) != 1:
        raise RuntimeError(f"Credit account {account_id} vanished under its lock.")


def convert_reservation(reservation_id, *, entry_id, at):
    _CONVERT_RESERVATION.execute([Reservation.Status.CONVERTED, entry_id, db_value(Reservation, "settled_at", at),
                                  reservation_id])


def create_reservation(*, account_id, call_id, amount, expires_at, at):
    return insert(Reservation(account_id=account_id, call_id=call_id, amount=amount, expires_at=expires_at,
                              created_at=at))

