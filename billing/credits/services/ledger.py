"""Moving credit: debit, reserve, release, expire, refund and operator adjustments, all under the account lock.

Each service reads the account's state under the tenant's credit account lock, asks billing/credits/decisions.py
what to do, and applies the Plan (or raises the Refusal's error). Two executors read and apply: the plain-SQL one
of ledger_hot.py (debit, reserve and release, the call API's path) and the ORM one here (`credits_locked_state` and
`apply_plan` pick; `ledger_hot.ENABLED = False` forces the ORM one, which the differential test compares).
Debit, reserve and release open a plain atomic block so that the rating engine can call them inside its own
transaction (account, then pools, then lots), and take the state it already read under the lock (`state=`);
the others are top-level services and refuse to run inside another transaction. Balance events (auto-recharge
trigger, zero and low-balance emails) are part of the plan and fire under the same lock (balance_events.fire).
"""
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services import actor_label, audit_record
from billing.credits import chain, lock_objects
from billing.credits import decisions as rules
from billing.credits.gateway import GatewayIdempotencyConflict, get_gateway
from billing.credits.models import CreditAccount, LedgerEntry, Lot, PaymentMethod, Purchase, Reservation
from billing.credits.rules import CENT, clean_charge, clean_idempotency_key, limits, lot_expiry
from billing.credits.selectors import credits_balance
from core.money import money_sum

from . import ledger_hot as hot
from .balance_events import fire, watched_of

Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")
_Found = TypeVar("_Found")


def actor_fields(actor: object) -> dict[str, Any]:
    """The ledger's record of who acted: a directory user when there is one, and a label always."""
    user = getattr(actor, "audit_user", actor)
    return {"actor": user if isinstance(user, User) else None, "actor_label": actor_label(actor)}


def chain_head(account_id: int) -> str:
    """The hash of the account's last entry, the next entry's `previous` (billing/credits/chain.py)."""
    head = LedgerEntry.objects.filter(account_id=account_id).order_by("-id").values_list("chain_hash", flat=True).first()
    return head or ""


def _sealed(previous: str, **fields: Any) -> LedgerEntry:
    """A new entry sealed onto the chain after `previous`, saved."""
    entry = LedgerEntry(**fields)
    entry.chain_hash = chain.seal(previous, entry)
    entry.save(force_insert=True)
    return entry


def append_entry(account: CreditAccount, *, kind: str, amount: Decimal, idempotency_key: str, actor: object, at: datetime,
                 **references: Any) -> LedgerEntry:
    """Appends one credit entry and moves the cached balance with it; the caller holds the account lock."""
    account.balance += amount
    entry = _sealed(chain_head(account.pk), account=account, kind=kind, amount=amount, balance_after=account.balance,
                    idempotency_key=idempotency_key, created_at=at, **actor_fields(actor), **references)
    account.save(update_fields=["balance"])
    return entry


def credit_with_lot(account: CreditAccount, *, kind: str, amount: Decimal, idempotency_key: str, actor: object,
                    at: datetime, purchase: Purchase | None = None, memo: str = "") -> tuple[LedgerEntry, Lot]:
    """A credit is always a new lot, so the lots' remainders keep summing to the balance."""
    entry = append_entry(account, kind=kind, amount=amount, idempotency_key=idempotency_key, actor=actor, at=at,
                         purchase=purchase, memo=memo)
    lot = Lot.objects.create(account=account, entry=entry, purchase=purchase, amount=amount, remaining=amount,
                             purchased_at=at, expires_at=lot_expiry(at))
    return entry, lot


# ------------------------------------------------------------------------------------------ the ORM executor
def _orm_state(*, tenant: Tenant, call_id: str, now: datetime, key: str | None = None) -> rules.AccountState:
    """The ORM executor's read of the state (taking the account lock, creating the account on first use)."""
    account = lock_objects.credit_account_for_update(tenant=tenant)
    reservation = lock_objects.reservation_for_update(account=account, call_id=call_id) if call_id else None
    if key is not None:
        earlier = LedgerEntry.objects.filter(account=account, idempotency_key=key).first()
    elif call_id:
        earlier = LedgerEntry.objects.filter(account=account, call_id=call_id, kind__in=LedgerEntry.CHARGE_KINDS).first()
    else:
        earlier = None
    lots = tuple(rules.LotState(lot.pk, lot.remaining, lot.purchased_at, lot.expires_at, lot.purchase_id)
                 for lot in lock_objects.funded_lots_for_update(account=account))
    held = money_sum(Reservation.objects.filter(account=account, status=Reservation.Status.HELD, expires_at__gt=now),
                     "amount")
    return rules.AccountState(
        account_id=account.pk, now=now, balance=account.balance, held=held, lots=lots, watched=watched_of(tenant),
        call_id=call_id, chain_head=chain_head(account.pk),
        reservation=(rules.ReservationState(reservation.pk, reservation.amount, reservation.status,
                                            reservation.expires_at) if reservation is not None else None),
        earlier=(rules.EarlierEntry(earlier.pk, earlier.kind, earlier.amount, earlier.purchase_id)
                 if earlier is not None else None))


def _orm_apply(state: rules.AccountState, plan: rules.Plan, *,
               actor: object) -> tuple[list[LedgerEntry], Reservation | None]:
    """The ORM executor's writes of a plan: the same rows, in the same order, as ledger_hot.apply."""
    for change in plan.lot_changes:
        values = {"remaining": change.remaining, **({"expired_at": state.now} if change.expired else {})}
        Lot.objects.filter(pk=change.lot_id).update(**values)
    entries: list[LedgerEntry] = []
    previous = state.chain_head
    for new in plan.entries:
        entries.append(_sealed(
            previous, account_id=state.account_id, kind=new.kind, amount=new.amount, balance_after=new.balance_after,
            idempotency_key=new.idempotency_key, created_at=new.at, call_id=new.call_id, memo=new.memo,
            lot_id=new.lot_id, purchase_id=new.purchase_id, reference=new.reference,
            **actor_fields(actor if new.by_actor else None)))
        previous = entries[-1].chain_hash
    if plan.balance_after != state.balance:
        CreditAccount.objects.filter(pk=state.account_id).update(balance=plan.balance_after)
    own = entries[plan.forfeits:]
    if plan.reservation_status is not None and plan.reservation_id is not None:
        Reservation.objects.filter(pk=plan.reservation_id).update(
            status=plan.reservation_status, settled_at=state.now,
            entry=own[-1] if plan.reservation_status == rules.CONVERTED else None)
    reservation: Reservation | None = None
    if plan.hold is not None:
        reservation = Reservation.objects.create(account_id=state.account_id, call_id=plan.hold.call_id,
                                                 amount=plan.hold.amount, expires_at=plan.hold.expires_at,
                                                 created_at=state.now)
    return own, reservation


# ------------------------------------------------------------------------------------------ either executor
def credits_locked_state(*, tenant: Tenant, call_id: str, now: datetime) -> rules.AccountState:
    """Locks the tenant's credit account and reads the state a request about `call_id` decides on.

    The plain-SQL read (ledger_hot.locked_state) unless it is switched off or the account does not exist yet.
    The rating engine calls this once per request and hands the state to credits_debit/reserve/release/available.
    """
    if hot.ENABLED:
        state = hot.locked_state(tenant=tenant, call_id=call_id, now=now)
        if state is not None:
            return state
    return _orm_state(tenant=tenant, call_id=call_id, now=now)


def apply_plan(state: rules.AccountState, plan: rules.Plan, *,
               actor: object) -> tuple[list[LedgerEntry], Reservation | None]:
    if hot.ENABLED:
        return hot.apply(state, plan, by_actor=actor_fields(actor), by_system=actor_fields(None))
    return _orm_apply(state, plan, actor=actor)


def _decided(plan: rules.Plan | rules.Refusal) -> rules.Plan:
    if isinstance(plan, rules.Refusal):
        raise plan.error()
    return plan


def _found(fetch: Callable[[int], _Found | None], row_id: int | None) -> _Found:
    """The entry or reservation a plan names: read under the account lock, so it exists."""
    found = fetch(row_id) if row_id is not None else None
    if found is None:
        raise LookupError(f"Row {row_id} named by the plan is missing.")
    return found


def _state_for(state: rules.AccountState | None, *, tenant: Tenant, call_id: str,
               now: datetime) -> rules.AccountState:
    if state is None:
        return credits_locked_state(tenant=tenant, call_id=call_id, now=now)
    if state.call_id != call_id:
        raise ValueError(f"The state was read for call {state.call_id!r}, not {call_id!r}.")
    return state


def credits_available(*, tenant: Tenant, now: datetime | None = None,
                      state: rules.AccountState | None = None) -> Decimal:
    """What calls may spend now (credits_balance().available), read under the account lock (or from `state`)."""
    if state is None:
        now = now or timezone.now()
        state = hot.locked_state(tenant=tenant, call_id="", now=now) if hot.ENABLED else None
        if state is None:
            return credits_balance(tenant=tenant, now=now).available
    return max(state.available, ZERO)


def _clean_call_id(call_id: str | None) -> str:
    call_id = (call_id or "").strip()
    if not call_id:
        raise ValidationError({"call_id": "A call id is required."})
    if len(call_id) > 128:
        raise ValidationError({"call_id": "The call id is longer than 128 characters."})
    return call_id


def credits_debit(*, tenant: Tenant, amount: object, call_id: str, kind: str = Kind.CALL_CHARGE, actor: object = None,
                  memo: str = "", at: datetime | None = None, savepoint: bool = True,
                  state: rules.AccountState | None = None) -> LedgerEntry:
    """Charges a call to credits, first in first out, converting the call's reservation if it has one.

    Idempotent by call id: the same call charged again with the same amount returns the first entry;
    with another amount it raises IdempotencyConflict. Raises InsufficientCredits (nothing written)
    when the available balance, plus the call's own live reservation, does not cover the amount. `at` dates the
    entry (a simulated call charged when it ended); it defaults to now and may not lie in the future.
    `savepoint=False` saves two statements for a caller whose own transaction ends on any error it raises
    (the rating engine): the error then leaves that transaction unusable instead of only undoing the debit.
    `state`: what the caller read with credits_locked_state(call_id=call_id) in this transaction (its `now` is used).
    """
    if kind not in LedgerEntry.CHARGE_KINDS:
        raise ValueError(f"{kind!r} is not a charge kind ({', '.join(LedgerEntry.CHARGE_KINDS)}).")
    amount = clean_charge(amount)
    call_id = _clean_call_id(call_id)
    now = state.now if state is not None else timezone.now()
    if at is not None and at > now:
        raise ValidationError({"at": "A charge cannot be dated in the future."})
    with transaction.atomic(savepoint=savepoint):
        state = _state_for(state, tenant=tenant, call_id=call_id, now=now)
        plan = _decided(rules.decide_debit(state, amount=amount, kind=kind, memo=memo, at=at or now,
                                           lifetime_months=limits().lot_lifetime_months))
        if plan.replay_id is not None:
            return _found(hot.entry_by_id, plan.replay_id)
        own, _ = apply_plan(state, plan, actor=actor)
        fire(tenant=tenant, events=plan.events, key=f"entry-{own[-1].pk}", watched=state.watched)
        return own[-1]


def credits_reserve(*, tenant: Tenant, amount: object, call_id: str, expires_at: datetime | None = None,
                    savepoint: bool = True, state: rules.AccountState | None = None) -> Reservation:
    """Holds `amount` of the available balance for a call in progress until released, charged or `expires_at`.

    Idempotent by call id (same amount: the first reservation; another amount: IdempotencyConflict).
    Raises InsufficientCredits when the available balance does not cover it. `savepoint`, `state`: as credits_debit's.
    """
    amount = clean_charge(amount)
    call_id = _clean_call_id(call_id)
    now = state.now if state is not None else timezone.now()
    expires_at = expires_at or now + limits().reservation_lifetime
    if expires_at <= now:
        raise ValidationError({"expires_at": "A reservation must expire in the future."})
    with transaction.atomic(savepoint=savepoint):
        state = _state_for(state, tenant=tenant, call_id=call_id, now=now)
        plan = _decided(rules.decide_hold(state, amount=amount, expires_at=expires_at,
                                          lifetime_months=limits().lot_lifetime_months))
        if plan.replay_id is not None:
            return _found(hot.reservation_by_id, plan.replay_id)
        _, reservation = apply_plan(state, plan, actor=None)
        if reservation is None:
            raise LookupError("A hold plan wrote no reservation.")
        fire(tenant=tenant, events=plan.events, key=f"hold-{reservation.pk}", watched=state.watched)
        return reservation


def credits_release(*, tenant: Tenant, call_id: str, savepoint: bool = True,
                    state: rules.AccountState | None = None) -> Reservation:
    """Gives a call's held amount back to the available balance. Releasing twice changes nothing."""
    call_id = _clean_call_id(call_id)
    now = state.now if state is not None else timezone.now()
    with transaction.atomic(savepoint=savepoint):
        state = _state_for(state, tenant=tenant, call_id=call_id, now=now)
        plan = _decided(rules.decide_release(state))
        if plan.replay_id is None:
            apply_plan(state, plan, actor=None)
        return _found(hot.reservation_by_id, plan.replay_id or plan.reservation_id)


def credits_expire_reservations(*, now: datetime | None = None) -> int:
    """Marks held reservations past their expiry as expired (they already stopped holding). Returns how many."""
    now = now or timezone.now()
    return Reservation.objects.filter(status=Reservation.Status.HELD, expires_at__lte=now).update(
        status=Reservation.Status.EXPIRED, settled_at=now)


def credits_expire_lots(*, tenant: Tenant, now: datetime | None = None) -> list[LedgerEntry]:
    """Forfeits the remainder of every lot of the tenant older than its lifetime; returns the expiry entries."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        if not CreditAccount.objects.filter(tenant=tenant).exists():
            return []
        state = _orm_state(tenant=tenant, call_id="", now=now)
        plan = rules.decide_expire(state, lifetime_months=limits().lot_lifetime_months)
        entries, _ = _orm_apply(state, plan, actor=None)
        if entries:
            audit_record(tenant=tenant, actor=None, action="credits.expiry",
                         target=CreditAccount.objects.get(pk=state.account_id),
                         after={"lots": [e.lot_id for e in entries], "forfeited": str(-sum(e.amount for e in entries)),
                                "balance": str(plan.balance_after)})
        return entries


def credits_refund(*, purchase: Purchase, idempotency_key: str | None, actor: object, amount: object = None,
                   reason: str | None = "") -> LedgerEntry:
    """Returns unused money of one purchase to its payment method (the card, or a credit on the invoice).

    Only the purchase's own lot can be refunded, up to what remains of it and of the available balance.
    The card refund goes through the gateway under the account lock: refunds are rare operator actions,
    and a refund must never pay out money that a concurrent call is spending.
    """
    key = clean_idempotency_key(idempotency_key)
    refund_amount = None if amount is None else clean_charge(amount)
    tenant = purchase.tenant
    with transaction.atomic(durable=True):
        now = timezone.now()
        state = _orm_state(tenant=tenant, call_id="", now=now, key=f"refund:{key}")
        plan = _decided(rules.decide_refund(state, purchase_id=purchase.pk, amount=refund_amount, key=key,
                                            memo=(reason or "")[:200], lifetime_months=limits().lot_lifetime_months))
        if plan.replay_id is not None:
            return LedgerEntry.objects.get(pk=plan.replay_id)
        refund = plan.own_entries[-1]
        if purchase.payment_kind == PaymentMethod.Kind.CARD:
            try:
                reference = get_gateway().refund(charge_reference=purchase.gateway_charge_id, amount=-refund.amount,
                                                 idempotency_key=f"credits-refund:{tenant.pk}:{key}").reference
            except GatewayIdempotencyConflict as exc:
                raise rules.Refusal(rules.CONFLICT, str(exc)).error() from None
            plan = replace(plan, entries=(*plan.entries[:-1], replace(refund, reference=reference)))
        own, _ = _orm_apply(state, plan, actor=actor)
        entry = own[-1]
        fire(tenant=tenant, events=plan.events, key=f"entry-{entry.pk}", watched=state.watched)
        audit_record(tenant=tenant, actor=actor, action="credits.refund", target=entry,
                     after={"purchase": purchase.pk, "amount": str(-entry.amount), "balance": str(plan.balance_after)})
        return entry


def credits_adjust(*, tenant: Tenant, amount: object, reason: str | None, idempotency_key: str | None,
                   actor: object) -> LedgerEntry:
    """An operator's correction: a positive amount adds a lot, a negative one is spent first in, first out."""
    key = clean_idempotency_key(idempotency_key)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the balance is adjusted; the reason is shown in the ledger."})
    try:
        if isinstance(amount, float | bool):
            raise ArithmeticError
        value = Decimal(str(amount).strip())
    except ArithmeticError:
        raise ValidationError({"amount": f"'{amount}' is not an amount of money."}) from None
    if not value.is_finite() or value == 0 or value != value.quantize(CENT) or abs(value) > limits().maximum_amount:
        raise ValidationError({"amount": f"Enter a non-zero amount in dollars and cents, at most "
                                         f"${limits().maximum_amount:,.0f} either way."})
    value = value.quantize(CENT)
    with transaction.atomic(durable=True):
        now = timezone.now()
        state = _orm_state(tenant=tenant, call_id="", now=now, key=f"adjustment:{key}")
        if state.earlier is None and value > 0:
            account = lock_objects.credit_account_for_update(tenant=tenant)
            entry, _ = credit_with_lot(account, kind=Kind.ADJUSTMENT, amount=value, idempotency_key=f"adjustment:{key}",
                                       actor=actor, at=now, memo=reason[:200])
            balance = account.balance
        else:
            plan = _decided(rules.decide_adjust(state, amount=value, key=key, memo=reason[:200],
                                                lifetime_months=limits().lot_lifetime_months))
            if plan.replay_id is not None:
                return LedgerEntry.objects.get(pk=plan.replay_id)
            own, _ = _orm_apply(state, plan, actor=actor)
            entry, balance = own[-1], plan.balance_after
            fire(tenant=tenant, events=plan.events, key=f"entry-{entry.pk}", watched=state.watched)
        audit_record(tenant=tenant, actor=actor, action="credits.adjustment", target=entry,
                     after={"amount": str(value), "reason": reason, "balance": str(balance)})
        return entry
