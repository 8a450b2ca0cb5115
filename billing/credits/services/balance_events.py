"""What a fall of the available balance sets off: the auto-recharge (after the commit) and the zero and
low-balance emails (in the same transaction, so a rolled-back debit sends nothing).

Which events a change sets off is decided by billing/credits/decisions.py (balance_events), in the plan of every
debit, hold, refund, adjustment and import; `fire` sets them off while the executor still holds the account lock,
so the available balance before and after are exact and exactly one change crosses each threshold, however many
calls race.
"""
import logging
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

from accounts.models import Tenant
from billing.credits.decisions import BALANCE_ZERO, RECHARGE, BalanceEvent, Watched, balance_events
from billing.notifications.events import Event
from billing.notifications.services import SendResult, notification_send

logger = logging.getLogger(__name__)


def enqueue_recharge_start(tenant_id: object) -> None:
    """Asks a worker to start the tenant's recharge. A broker outage is logged, not raised: the debit that
    called for it has committed, and the sweep (billing.credits.tasks.sweep_recharges) starts the recharge instead."""
    from billing.credits.tasks import start_recharge

    try:
        start_recharge.delay(str(tenant_id))
    except OperationalError as exc:
        logger.warning("Could not enqueue the recharge of tenant %s (%s); the sweep will start it.", tenant_id, exc)


def start_recharge_after_commit(tenant_id: object) -> None:
    transaction.on_commit(partial(enqueue_recharge_start, tenant_id))


def watched_of(tenant: Tenant) -> Watched:
    """The thresholds of one tenant, in one query: the auto-recharge trigger and the low-balance levels."""
    row = (Tenant.objects.filter(pk=tenant.pk)
           .values("auto_recharge__enabled", "auto_recharge__paused", "auto_recharge__trigger_amount",
                   "notification_settings__low_balance_levels").get())
    return Watched.of(enabled=row["auto_recharge__enabled"], paused=row["auto_recharge__paused"],
                      trigger=row["auto_recharge__trigger_amount"], levels=row["notification_settings__low_balance_levels"])


def notify_safely(*, tenant: Tenant, event: str, context: dict[str, Any], period_key: str) -> SendResult | list[object]:
    """notification_send in a savepoint: an email that can't be recorded never undoes the money beside it."""
    try:
        with transaction.atomic():
            return notification_send(tenant=tenant, event=event, context=context, period_key=period_key)
    except Exception:  # the money must not depend on the email; the failure is logged for the operator
        logger.exception("Recording the %s email of tenant %s (%s) failed", event, tenant.pk, period_key)
        return []


def fire(*, tenant: Tenant, events: Iterable[BalanceEvent], key: object, watched: Watched | None = None) -> None:
    """Sets off the balance events a decision returned (billing/credits/decisions.py), the one place that does.

    `key` names the ledger change (e.g. its entry id), so each crossing sends its email once.
    """
    for event in events:
        if event.kind == RECHARGE:
            start_recharge_after_commit(tenant.pk)
        elif event.kind == BALANCE_ZERO:
            on = watched.recharge_on if watched is not None else watched_of(tenant).recharge_on
            notify_safely(tenant=tenant, event=Event.BALANCE_ZERO, context={"auto_recharge_on": on},
                          period_key=event.period_key(key))
        else:
            notify_safely(tenant=tenant, event=Event.LOW_BALANCE, context={"balance": event.balance, "level": event.level},
                          period_key=event.period_key(key))


def balance_changed(*, tenant: Tenant, before: Decimal, after: Decimal, key: object, notices: bool = True,
                    watched: Watched | None = None) -> None:
    """The available balance of `tenant` went from `before` to `after` (the caller holds the account lock): the
    events of decisions.balance_events, fired. `watched` is what watched_of() reads, when the caller has it."""
    if after >= before:
        return
    watched = watched if watched is not None else watched_of(tenant)
    events = balance_events(watched, before=before, after=after,
                            spent_before=before if notices else None, spent_after=after if notices else None)
    fire(tenant=tenant, events=events, key=key, watched=watched)
