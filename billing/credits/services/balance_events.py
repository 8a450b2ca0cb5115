"""What a fall of the available balance sets off: the auto-recharge (after the commit) and the zero and
low-balance emails (in the same transaction, so a rolled-back debit sends nothing).

`balance_changed` is called by the ledger's debit and reserve (billing/credits/services/ledger.py) while they hold
the account lock, so the available balance before and after are exact and exactly one change crosses each
threshold, however many calls race. Code that writes debits without `credits_debit` (a batch import) calls
`billing.credits.recharge.engine.recharge_if_due(tenant=...)` once after its transaction instead.
"""
import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError

from accounts.models import Tenant
from billing.notifications.events import Event
from billing.notifications.services import notification_send

logger = logging.getLogger(__name__)


def enqueue_recharge_start(tenant_id):
    """Asks a worker to start the tenant's recharge. A broker outage is logged, not raised: the debit that
    called for it has committed, and the sweep (billing.credits.tasks.sweep_recharges) starts the recharge instead."""
    from billing.credits.tasks import start_recharge

    try:
        start_recharge.delay(str(tenant_id))
    except OperationalError as exc:
        logger.warning("Could not enqueue the recharge of tenant %s (%s); the sweep will start it.", tenant_id, exc)


def start_recharge_after_commit(tenant_id):
    transaction.on_commit(partial(enqueue_recharge_start, tenant_id))


def _watched(tenant):
    """The thresholds of one tenant, in one query: the auto-recharge trigger and the low-balance levels."""
    return (Tenant.objects.filter(pk=tenant.pk)
            .values("auto_recharge__enabled", "auto_recharge__paused", "auto_recharge__trigger_amount",
                    "notification_settings__low_balance_levels").get())


def notify_safely(*, tenant, event, context, period_key):
    """notification_send in a savepoint: an email that can't be recorded never undoes the money beside it."""
    try:
        with transaction.atomic():
            return notification_send(tenant=tenant, event=event, context=context, period_key=period_key)
    except Exception:  # the money must not depend on the email; the failure is logged for the operator
        logger.exception("Recording the %s email of tenant %s (%s) failed", event, tenant.pk, period_key)
        return []


def balance_changed(*, tenant, before, after, key, notices=True, watched=None):
    """The available balance of `tenant` went from `before` to `after` (the caller holds the account lock).

    Crossing the auto-recharge trigger downwards starts a recharge after the commit. With `notices`, reaching
    zero sends `balance_zero` and each low-balance level crossed sends `low_balance`, once per crossing
    (`key` names the ledger change, e.g. its entry id). `watched` is what _watched() reads, when the caller has it.
    """
    if after >= before:
        return
    watched = watched if watched is not None else _watched(tenant)
    enabled = bool(watched["auto_recharge__enabled"]) and not watched["auto_recharge__paused"]
    trigger = watched["auto_recharge__trigger_amount"]
    if enabled and trigger is not None and after < trigger <= before:
        start_recharge_after_commit(tenant.pk)
    if not notices:
        return
    if before > 0 and after <= 0:
        notify_safely(tenant=tenant, event=Event.BALANCE_ZERO, context={"auto_recharge_on": enabled},
                      period_key=f"zero:{key}")
    # The rule of notifications.selectors.low_balance_levels_crossed, on the levels read above.
    for level in watched["notification_settings__low_balance_levels"] or ():
        if after < level <= before:
            notify_safely(tenant=tenant, event=Event.LOW_BALANCE, context={"balance": after, "level": level},
                          period_key=f"low:{level}:{key}")
