"""Charging a batch of calls to Communications Credits: one ledger entry per call, written in bulk.

The batch form of `billing.credits.services.credits_debit`, for the call-record import, deciding by the same rules
(billing/credits/decisions.py, decide_batch): lots due to expire are forfeited first, then the total is taken
from the live lots first in, first out, one entry per call (kind, negative amount, running `balance_after`, the
call id and its idempotency key `<kind>:<call id>`), and the balance events of the fall fire under the lock.
The caller holds the tenant's credit account lock (billing.credits.lock_objects) and has checked each charge against
the same available balance; the ledger's constraints (one charge per call id, no negative balance) still guard the write.
"""
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.credits import chain
from billing.credits import decisions as rules
from billing.credits.models import CreditAccount, LedgerEntry, Lot
from billing.credits.rules import limits
from core.bulk import insert_rows

from .balance_events import fire
from .ledger import _orm_state, actor_fields

LEDGER_FIELDS = ("account", "kind", "amount", "balance_after", "call_id", "idempotency_key", "memo", "actor",
                 "actor_label", "created_at", "reference", "lot", "purchase", "chain_hash")


def credits_debit_batch(*, account: CreditAccount, charges: Sequence[tuple[str, Decimal, str, str]], actor: object,
                        at: datetime) -> Decimal:
    """Appends one entry per (call_id, amount, kind, memo) in `charges` and spends their total from the lots.

    Returns the total charged (forfeits of lots due to expire are written too, but are not part of it).
    """
    if not charges:
        return Decimal("0.00")
    tenant = account.tenant
    state = _orm_state(tenant=tenant, call_id="", now=at)
    plan = rules.decide_batch(state, charges=charges, at=at, lifetime_months=limits().lot_lifetime_months)
    if isinstance(plan, rules.Refusal):
        raise plan.error()
    for change in plan.lot_changes:
        values = {"remaining": change.remaining, **({"expired_at": at} if change.expired else {})}
        Lot.objects.filter(pk=change.lot_id).update(**values)
    who, system = actor_fields(actor), actor_fields(None)
    rows: list[tuple[Any, ...]] = []
    previous = state.chain_head
    for new in plan.entries:
        by = who if new.by_actor else system
        previous = chain.seal(previous, {
            "account_id": state.account_id, "kind": new.kind, "amount": new.amount, "balance_after": new.balance_after,
            "idempotency_key": new.idempotency_key, "call_id": new.call_id, "created_at": new.at, "lot_id": new.lot_id,
            "purchase_id": new.purchase_id, "reference": new.reference, "memo": new.memo,
            "actor_label": by["actor_label"]})
        rows.append((state.account_id, new.kind, new.amount, new.balance_after, new.call_id, new.idempotency_key,
                     new.memo, by["actor"].pk if by["actor"] is not None else None, by["actor_label"], new.at,
                     new.reference, new.lot_id, new.purchase_id, previous))
    insert_rows(LedgerEntry, LEDGER_FIELDS, rows)
    CreditAccount.objects.filter(pk=state.account_id).update(balance=plan.balance_after)
    total = -sum((new.amount for new in plan.own_entries), Decimal("0.00"))
    account.balance = plan.balance_after
    fire(tenant=tenant, events=plan.events, key=f"import-{charges[0][0]}-{len(charges)}", watched=state.watched)
    return total
