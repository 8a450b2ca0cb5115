"""Tamper evidence for the credits ledger: each entry carries a SHA-256 over its content and the previous entry's hash.

The chain runs per credit account in id order (the order the account lock writes them). Every writer seals the entry
it appends with `seal(previous_hash, entry_fields)`; `broken_links` (used by check_ledger) recomputes the chain and
names the first entry whose hash does not match: an edit of any sealed field, however consistently made to the
running balances, the account and the lots, breaks the chain from that entry on. What the hash covers is listed
in SEALED; the actor's user id is left out (a deleted user's entries keep their actor_label, and the append-only
trigger lets only that column become NULL).
"""
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from billing.credits.models import LedgerEntry

SEALED = ("account_id", "kind", "amount", "balance_after", "idempotency_key", "call_id", "created_at", "lot_id",
          "purchase_id", "reference", "memo", "actor_label")
SEALED_FIELDS = ("account", "kind", "amount", "balance_after", "idempotency_key", "call_id", "created_at", "lot",
                 "purchase", "reference", "memo", "actor_label")  # the model fields of SEALED, for .only()
GENESIS = ""


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if name in ("amount", "balance_after"):
        return f"{value:.2f}"
    if name == "created_at":
        return cast(datetime, value).astimezone(UTC).isoformat(timespec="microseconds")  # created_at: a datetime
    return str(value)


def seal(previous: str, fields: object) -> str:
    """The hash of an entry whose sealed fields are `fields` (a mapping, or an object with those attributes)."""
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
    content = "\x1f".join(_text(name, get(name)) for name in SEALED)
    return hashlib.sha256(f"{previous}\x1e{content}".encode()).hexdigest()


def broken_links(entries: Iterable["LedgerEntry"]) -> dict[int, int]:
    """(account_id, entry id) of the first entry of each account whose hash breaks the chain.

    `entries`: objects with the SEALED attributes, `id` and `chain_hash`, ordered by account and id.
    """
    broken: dict[int, int] = {}
    previous: str = GENESIS
    account: int | None = None
    for entry in entries:
        if entry.account_id != account:
            account, previous = entry.account_id, GENESIS
        if account in broken:
            continue
        if entry.chain_hash != seal(previous, entry):
            broken[account] = entry.id
        previous = entry.chain_hash
    return broken
