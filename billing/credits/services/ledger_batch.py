"""Charging a batch of calls to Communications Credits: one ledger entry per call, written in bulk.

The batch form of `billing.credits.services.credits_debit`, for the call-record import: the same entries (kind,
negative amount, running `balance_after`, the call id and its idempotency key `<kind>:<call id>`), money taken
from the lots first in, first out, the cached balance moved by the total. The caller holds the tenant's
credit account lock (billing.credits.lock_objects) and has checked that the available balance covers every charge;
the ledger's constraints (one charge per call id, no negative balance) still guard the write.
"""
from decimal import Decimal

from billing.credits import lock_objects as credit_locks
from billing.credits.models import LedgerEntry
from core.bulk import insert_rows

from .ledger import actor_fields, spend_live_lots

LEDGER_FIELDS = ("account", "kind", "amount", "balance_after", "call_id", "idempotency_key", "memo", "actor",
                 "actor_label", "created_at", "reference")


def credits_debit_batch(*, account, charges, actor, at):
    """Appends one entry per (call_id, amount, kind, memo) in `charges` and spends their total from the lots.

    Returns the total charged. Lots past their expiry are left for the daily expiry task, as
    `credits_balance().available` (which the caller checked against) already leaves them out.
    """
    if not charges:
        return Decimal("0.00")
    who = actor_fields(actor)
    actor_id = who["actor"].pk if who["actor"] is not None else None
    balance = account.balance
    rows = []
    for call_id, amount, kind, memo in charges:
        balance -= amount
        rows.append((account.pk, kind, -amount, balance, call_id, f"{kind}:{call_id}", memo, actor_id, who["actor_label"],
                     at, ""))
    total = account.balance - balance
    live = [lot for lot in credit_locks.funded_lots_for_update(account=account) if lot.expires_at > at]
    spend_live_lots(live, total)
    insert_rows(LedgerEntry, LEDGER_FIELDS, rows)
    account.balance = balance
    account.save(update_fields=["balance"])
    return total
