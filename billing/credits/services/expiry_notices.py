"""The "funds expiring" email: once per lot, when unspent funds expire within the notice window (30 days)."""
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.utils import timezone

from billing.credits.models import Lot
from billing.credits.recharge.policy import recharge_policy
from billing.credits.selectors import credits_balance
from billing.notifications.events import Event
from billing.notifications.services import SendOutcome

from .balance_events import notify_safely


def funds_expiring_notify(*, now: datetime | None = None) -> int:
    """Emails each tenant about every lot with money left that expires within the window; a lot is announced
    once (its id is the notification's period key), so running this daily, or twice, sends one email a lot.
    Returns how many lots were announced for the first time."""
    now = now or timezone.now()
    window_end = now + recharge_policy().expiry_notice
    lots = (Lot.objects.filter(funded=True, expired_at__isnull=True, expires_at__gt=now, expires_at__lte=window_end)
            .select_related("account__tenant").order_by("account__tenant_id", "expires_at", "id"))
    announced, balances = 0, dict[UUID, Decimal]()
    for lot in lots:
        tenant = lot.account.tenant
        if tenant.pk not in balances:
            balances[tenant.pk] = credits_balance(tenant=tenant, now=now).available
        sent = notify_safely(tenant=tenant, event=Event.FUNDS_EXPIRING, period_key=f"lot:{lot.pk}", context={
            "amount": lot.remaining, "expires_on": timezone.localdate(lot.expires_at), "balance": balances[tenant.pk],
        })
        announced += getattr(sent, "outcome", None) == SendOutcome.QUEUED
    return announced
