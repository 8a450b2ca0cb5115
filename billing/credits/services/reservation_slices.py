"""Growing a call's reservation by one more slice (POST /api/v1/calls/{callId}/extend, billing/rating/services/extend.py).

A call holds one slice of credit at a time; asking for the next adds to the same reservation, so completing the call
converts one reservation into one debit as before. Under the tenant's credit-account lock (taken here if the caller
has not), so concurrent calls of a tenant never hold more than the available balance between them.
"""
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from billing.credits import lock_objects
from billing.credits.exceptions import InsufficientCredits
from billing.credits.models import Reservation
from billing.credits.rules import clean_charge

from .balance_events import balance_changed
from .ledger import credits_available, credits_reserve


def credits_reserve_more(*, tenant: Tenant, call_id: str, amount: Decimal, expires_at: datetime,
                         now: datetime | None = None) -> Reservation:
    """Adds `amount` to the call's held reservation (or makes one) and holds it until at least `expires_at`.

    Raises InsufficientCredits (nothing changed) when the available balance does not cover `amount`, and
    ValidationError when the call's reservation was already charged, released or expired.
    """
    amount = clean_charge(amount)
    now = now or timezone.now()
    with transaction.atomic():
        account = lock_objects.credit_account_for_update(tenant=tenant)
        reservation = lock_objects.reservation_for_update(account=account, call_id=call_id)
        if reservation is None:
            return credits_reserve(tenant=tenant, amount=amount, call_id=call_id, expires_at=expires_at)
        if reservation.status != Reservation.Status.HELD or reservation.expires_at <= now:
            raise ValidationError({"call_id": f"The credit held for call {call_id} is no longer held."})
        available = credits_available(tenant=tenant, now=now)
        if amount > available:
            raise InsufficientCredits(amount=amount, available=available)
        reservation.amount += amount
        reservation.expires_at = max(reservation.expires_at, expires_at)
        reservation.save(update_fields=["amount", "expires_at"])
        balance_changed(tenant=tenant, before=available, after=available - amount,
                        key=f"hold-{reservation.pk}-{reservation.amount}", notices=False)
    return reservation
