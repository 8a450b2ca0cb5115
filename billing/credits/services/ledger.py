"""Moving credit: debit, reserve, release, expire, refund and operator adjustments, all under the account lock.

Every function here takes the tenant's credit account row lock first (billing/credits/lock_objects.py), then
reservations, then lots. Debit, reserve and release open a plain atomic block so that the rating
engine can call them inside its own transaction (account, then pools, then lots); the others are
top-level services and refuse to run inside another transaction. Debit and reserve report the fall of the
available balance to balance_events (auto-recharge trigger, zero and low-balance emails) under the same lock.
"""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.services import actor_label, audit_record
from billing.credits import lock_objects
from billing.credits.exceptions import IdempotencyConflict, InsufficientCredits
from billing.credits.gateway import GatewayIdempotencyConflict, get_gateway
from billing.credits.models import CreditAccount, LedgerEntry, Lot, PaymentMethod, Reservation
from billing.credits.rules import CENT, clean_charge, clean_idempotency_key, limits, lot_expiry
from billing.credits.selectors import credits_balance

from . import ledger_hot as hot
from .balance_events import balance_changed

Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")


def actor_fields(actor):
    """The ledger's record of who acted: a directory user when there is one, and a label always."""
    user = getattr(actor, "audit_user", actor)
    return {"actor": user if isinstance(user, User) else None, "actor_label": actor_label(actor)}


def append_entry(account, *, kind, amount, idempotency_key, actor, at, **references):
    """Appends one entry and moves the cached balance with it; the caller holds the account lock."""
    account.balance += amount
    entry = LedgerEntry.objects.create(account=account, kind=kind, amount=amount, balance_after=account.balance,
                                       idempotency_key=idempotency_key, created_at=at, **actor_fields(actor), **references)
    account.save(update_fields=["balance"])
    return entry


def credit_with_lot(account, *, kind, amount, idempotency_key, actor, at, purchase=None, memo=""):
    """A credit is always a new lot, so the lots' remainders keep summing to the balance."""
    entry = append_entry(account, kind=kind, amount=amount, idempotency_key=idempotency_key, actor=actor, at=at,
                         purchase=purchase, memo=memo)
    lot = Lot.objects.create(account=account, entry=entry, purchase=purchase, amount=amount, remaining=amount,
                             purchased_at=at, expires_at=lot_expiry(at))
    return entry, lot


def _expire_due(account, lots, *, now, actor=None):
    """Forfeits every lot past its expiry; returns (expiry entries, lots still spendable)."""
    entries, live = [], []
    for lot in lots:
        if lot.expires_at > now:
            live.append(lot)
            continue
        forfeited = lot.remaining
        lot.remaining = ZERO
        lot.expired_at = now
        lot.save(update_fields=["remaining", "expired_at"])
        entries.append(append_entry(
            account, kind=Kind.EXPIRY, amount=-forfeited, idempotency_key=f"expiry:lot:{lot.pk}", actor=actor, at=now,
            lot=lot, purchase_id=lot.purchase_id,
            memo=f"Funds added {lot.purchased_at:%b %d, %Y} were not used within "
                 f"{limits().lot_lifetime_months} months",
        ))
    return entries, live


def spend_live_lots(live_lots, amount):
    """Takes `amount` from the lots, oldest first. The callers checked the balance, so it always suffices."""
    left = amount
    for lot in live_lots:
        if not left:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        left -= take
    if left:
        raise RuntimeError(f"The lots of account {live_lots[0].account_id if live_lots else '?'} hold less than its "
                           "balance; run manage.py check_ledger.")


def _held(account, now):
    held = Reservation.objects.filter(account=account, status=Reservation.Status.HELD, expires_at__gt=now)
    # quantized: SQLite returns the sum as a float turned Decimal
    return (held.aggregate(total=Sum("amount"))["total"] or ZERO).quantize(CENT)


def credits_available(*, tenant, now=None):
    """What calls may spend now (credits_balance().available), read under the account lock the caller holds."""
    now = now or timezone.now()
    state = hot.locked_state(tenant=tenant, call_id="", now=now)
    if state is None or state.lot_due:
        return credits_balance(tenant=tenant, now=now).available
    return max(state.balance - state.held, ZERO)


def _clean_call_id(call_id):
    call_id = (call_id or "").strip()
    if not call_id:
        raise ValidationError({"call_id": "A call id is required."})
    if len(call_id) > 128:
        raise ValidationError({"call_id": "The call id is longer than 128 characters."})
    return call_id


def _charge_of_call(account, call_id):
    return LedgerEntry.objects.filter(account=account, call_id=call_id, kind__in=LedgerEntry.CHARGE_KINDS).first()


def credits_debit(*, tenant, amount, call_id, kind=Kind.CALL_CHARGE, actor=None, memo="", at=None, savepoint=True):
    """Charges a call to credits, first in first out, converting the call's reservation if it has one.

    Idempotent by call id: the same call charged again with the same amount returns the first entry;
    with another amount it raises IdempotencyConflict. Raises InsufficientCredits (nothing written)
    when the available balance, plus the call's own reservation, does not cover the amount. `at` dates the
    entry (a simulated call charged when it ended); it defaults to now and may not lie in the future.
    `savepoint=False` saves two statements for a caller whose own transaction ends on any error it raises
    (the rating engine): the error then leaves that transaction unusable instead of only undoing the debit.
    """
    if kind not in LedgerEntry.CHARGE_KINDS:
        raise ValueError(f"{kind!r} is not a charge kind ({', '.join(LedgerEntry.CHARGE_KINDS)}).")
    amount = clean_charge(amount)
    call_id = _clean_call_id(call_id)
    now = timezone.now()
    if at is not None and at > now:
        raise ValidationError({"at": "A charge cannot be dated in the future."})
    with transaction.atomic(savepoint=savepoint):
        state = hot.locked_state(tenant=tenant, call_id=call_id, now=now)
        if state is not None and state.plain_debit:
            return _debit_plain(tenant, state, amount=amount, call_id=call_id, kind=kind, actor=actor, memo=memo,
                                now=now, at=at or now)
        return _debit_full(tenant, amount=amount, call_id=call_id, kind=kind, actor=actor, memo=memo, now=now,
                           at=at or now)


def _debit_plain(tenant, state, *, amount, call_id, kind, actor, memo, now, at):
    """The debit of a call never charged, with no lot due to expire: five statements under the account lock."""
    own_hold = state.reservation_amount if state.reservation_holding else ZERO
    available = state.balance - state.held + own_hold
    if amount > available:
        raise InsufficientCredits(amount=amount, available=max(available, ZERO))
    hot.spend_lots(state.account_id, amount)
    balance = state.balance - amount
    entry = hot.append_entry(account_id=state.account_id, kind=kind, amount=-amount, balance_after=balance,
                             idempotency_key=f"{kind}:{call_id}", at=at, call_id=call_id, memo=memo,
                             **actor_fields(actor))
    hot.set_balance(state.account_id, balance)
    if state.reservation_id is not None and state.reservation_status == Reservation.Status.HELD:
        hot.convert_reservation(state.reservation_id, entry_id=entry.pk, at=now)
    # Available to the tenant before: the balance less every hold, this call's too. After: its hold is spent.
    balance_changed(tenant=tenant, before=available - own_hold, after=available - amount, key=f"entry-{entry.pk}",
                    watched=state.watched)
    return entry


def _debit_full(tenant, *, amount, call_id, kind, actor, memo, now, at):
    """The general debit: a repeated call id, lots to forfeit first, or an account not created yet."""
    with transaction.atomic():
        account = lock_objects.credit_account_for_update(tenant=tenant)
        first = _charge_of_call(account, call_id)
        if first is not None:
            if first.kind == kind and -first.amount == amount:
                return first
            raise IdempotencyConflict(f"Call {call_id} was already charged ${-first.amount:,.2f} "
                                      f"({first.get_kind_display().lower()}).")
        reservation = lock_objects.reservation_for_update(account=account, call_id=call_id)
        _, live = _expire_due(account, lock_objects.funded_lots_for_update(account=account), now=now)
        own_hold = reservation.amount if reservation is not None and reservation.is_holding(now) else ZERO
        available = account.balance - _held(account, now) + own_hold
        if amount > available:
            raise InsufficientCredits(amount=amount, available=max(available, ZERO))
        spend_live_lots(live, amount)
        entry = append_entry(account, kind=kind, amount=-amount, idempotency_key=f"{kind}:{call_id}", actor=actor,
                             at=at, call_id=call_id, memo=memo)
        if reservation is not None and reservation.status == Reservation.Status.HELD:
            reservation.status, reservation.entry, reservation.settled_at = Reservation.Status.CONVERTED, entry, now
            reservation.save(update_fields=["status", "entry", "settled_at"])
        balance_changed(tenant=tenant, before=available - own_hold, after=available - amount, key=f"entry-{entry.pk}")
        return entry


def credits_reserve(*, tenant, amount, call_id, expires_at=None, savepoint=True):
    """Holds `amount` of the available balance for a call in progress until released, charged or `expires_at`.

    Idempotent by call id (same amount: the first reservation; another amount: IdempotencyConflict).
    Raises InsufficientCredits when the available balance does not cover it. `savepoint`: as credits_debit's.
    """
    amount = clean_charge(amount)
    call_id = _clean_call_id(call_id)
    now = timezone.now()
    expires_at = expires_at or now + limits().reservation_lifetime
    if expires_at <= now:
        raise ValidationError({"expires_at": "A reservation must expire in the future."})
    with transaction.atomic(savepoint=savepoint):
        state = hot.locked_state(tenant=tenant, call_id=call_id, now=now)
        if state is not None and state.plain_reserve:
            available = state.balance - state.held
            if amount > available:
                raise InsufficientCredits(amount=amount, available=max(available, ZERO))
            reservation = hot.create_reservation(account_id=state.account_id, call_id=call_id, amount=amount,
                                                 expires_at=expires_at, at=now)
            balance_changed(tenant=tenant, before=available, after=available - amount, key=f"hold-{reservation.pk}",
                            notices=False, watched=state.watched)
            return reservation
        return _reserve_full(tenant, amount=amount, call_id=call_id, expires_at=expires_at, now=now)


def _reserve_full(tenant, *, amount, call_id, expires_at, now):
    """The general hold: a call id seen before, lots to forfeit first, or an account not created yet."""
    with transaction.atomic():
        account = lock_objects.credit_account_for_update(tenant=tenant)
        first = lock_objects.reservation_for_update(account=account, call_id=call_id)
        if first is not None:
            if first.amount == amount:
                return first
            raise IdempotencyConflict(f"Call {call_id} already has ${first.amount:,.2f} reserved.")
        if _charge_of_call(account, call_id) is not None:
            raise IdempotencyConflict(f"Call {call_id} has already been charged.")
        _expire_due(account, lock_objects.funded_lots_for_update(account=account), now=now)
        available = account.balance - _held(account, now)
        if amount > available:
            raise InsufficientCredits(amount=amount, available=max(available, ZERO))
        reservation = Reservation.objects.create(account=account, call_id=call_id, amount=amount, expires_at=expires_at,
                                                 created_at=now)
        # A hold lowers what calls may spend, so it can start a recharge; the emails wait for real charges.
        balance_changed(tenant=tenant, before=available, after=available - amount, key=f"hold-{reservation.pk}",
                        notices=False)
        return reservation


def credits_release(*, tenant, call_id):
    """Gives a call's held amount back to the available balance. Releasing twice changes nothing."""
    call_id = _clean_call_id(call_id)
    with transaction.atomic():
        now = timezone.now()
        account = lock_objects.credit_account_for_update(tenant=tenant)
        reservation = lock_objects.reservation_for_update(account=account, call_id=call_id)
        if reservation is None:
            raise ValidationError({"call_id": f"No credit is reserved for call {call_id}."})
        if reservation.status == Reservation.Status.HELD:
            reservation.status = Reservation.Status.RELEASED if reservation.expires_at > now else Reservation.Status.EXPIRED
            reservation.settled_at = now
            reservation.save(update_fields=["status", "settled_at"])
        return reservation


def credits_expire_reservations(*, now=None):
    """Marks held reservations past their expiry as expired (they already stopped holding). Returns how many."""
    now = now or timezone.now()
    return Reservation.objects.filter(status=Reservation.Status.HELD, expires_at__lte=now).update(
        status=Reservation.Status.EXPIRED, settled_at=now)


def credits_expire_lots(*, tenant, now=None):
    """Forfeits the remainder of every lot of the tenant older than its lifetime; returns the expiry entries."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        if not CreditAccount.objects.filter(tenant=tenant).exists():
            return []
        account = lock_objects.credit_account_for_update(tenant=tenant)
        entries, _ = _expire_due(account, lock_objects.funded_lots_for_update(account=account), now=now)
        if entries:
            audit_record(tenant=tenant, actor=None, action="credits.expiry", target=account,
                         after={"lots": [e.lot_id for e in entries], "forfeited": str(-sum(e.amount for e in entries)),
                                "balance": str(account.balance)})
        return entries


def credits_refund(*, purchase, idempotency_key, actor, amount=None, reason=""):
    """Returns unused money of one purchase to its payment method (the card, or a credit on the invoice).

    Only the purchase's own lot can be refunded, up to what remains of it and of the available balance.
    The card refund goes through the gateway under the account lock: refunds are rare operator actions,
    and a refund must never pay out money that a concurrent call is spending.
    """
    key = clean_idempotency_key(idempotency_key)
    tenant = purchase.tenant
    with transaction.atomic(durable=True):
        now = timezone.now()
        account = lock_objects.credit_account_for_update(tenant=tenant)
        first = LedgerEntry.objects.filter(account=account, idempotency_key=f"refund:{key}").first()
        if first is not None:
            if first.purchase_id == purchase.pk and (amount is None or -first.amount == Decimal(str(amount))):
                return first
            raise IdempotencyConflict(f"The idempotency key {key!r} was used for another refund.")
        _, live = _expire_due(account, lock_objects.funded_lots_for_update(account=account), now=now)
        lot = next((lot for lot in live if lot.purchase_id == purchase.pk), None)
        if lot is None:
            raise ValidationError({"purchase": "Nothing of this purchase is left to refund: it was spent or has expired."})
        amount = lot.remaining if amount is None else clean_charge(amount)
        if amount > lot.remaining:
            raise ValidationError({"amount": f"At most ${lot.remaining:,.2f} of this purchase is left to refund."})
        available = account.balance - _held(account, now)
        if amount > available:
            raise InsufficientCredits(amount=amount, available=max(available, ZERO))
        reference = ""
        if purchase.payment_kind == PaymentMethod.Kind.CARD:
            try:
                reference = get_gateway().refund(charge_reference=purchase.gateway_charge_id, amount=amount,
                                                 idempotency_key=f"credits-refund:{tenant.pk}:{key}").reference
            except GatewayIdempotencyConflict as exc:
                raise IdempotencyConflict(str(exc)) from None
        lot.remaining -= amount
        lot.save(update_fields=["remaining"])
        entry = append_entry(account, kind=Kind.REFUND, amount=-amount, idempotency_key=f"refund:{key}", actor=actor,
                             at=now, purchase=purchase, lot=lot, reference=reference, memo=(reason or "")[:200])
        audit_record(tenant=tenant, actor=actor, action="credits.refund", target=entry,
                     after={"purchase": purchase.pk, "amount": str(amount), "balance": str(account.balance)})
        return entry


def credits_adjust(*, tenant, amount, reason, idempotency_key, actor):
    """An operator's correction: a positive amount adds a lot, a negative one is spent first in, first out."""
    key = clean_idempotency_key(idempotency_key)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the balance is adjusted; the reason is shown in the ledger."})
    try:
        if isinstance(amount, float | bool):
            raise ArithmeticError
        amount = Decimal(str(amount).strip())
    except ArithmeticError:
        raise ValidationError({"amount": f"'{amount}' is not an amount of money."}) from None
    if not amount.is_finite() or amount == 0 or amount != amount.quantize(CENT) or abs(amount) > limits().maximum_amount:
        raise ValidationError({"amount": f"Enter a non-zero amount in dollars and cents, at most "
                                         f"${limits().maximum_amount:,.0f} either way."})
    with transaction.atomic(durable=True):
        now = timezone.now()
        account = lock_objects.credit_account_for_update(tenant=tenant)
        first = LedgerEntry.objects.filter(account=account, idempotency_key=f"adjustment:{key}").first()
        if first is not None:
            if first.amount == amount:
                return first
            raise IdempotencyConflict(f"The idempotency key {key!r} was used for another adjustment.")
        if amount > 0:
            entry, _ = credit_with_lot(account, kind=Kind.ADJUSTMENT, amount=amount, idempotency_key=f"adjustment:{key}",
                                       actor=actor, at=now, memo=reason[:200])
        else:
            _, live = _expire_due(account, lock_objects.funded_lots_for_update(account=account), now=now)
            available = account.balance - _held(account, now)
            if -amount > available:
                raise InsufficientCredits(amount=-amount, available=max(available, ZERO))
            spend_live_lots(live, -amount)
            entry = append_entry(account, kind=Kind.ADJUSTMENT, amount=amount, idempotency_key=f"adjustment:{key}",
                                 actor=actor, at=now, memo=reason[:200])
        audit_record(tenant=tenant, actor=actor, action="credits.adjustment", target=entry,
                     after={"amount": str(amount), "reason": reason, "balance": str(account.balance)})
        return entry
