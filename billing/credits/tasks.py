"""Celery doors of Communications Credits (the `payments` queue): each takes ids, calls one service, and is
safe to run twice. Retries of transient faults (database, network) are declared here; a declined card is not
a fault but a result, which the recharge engine records and retries on its own schedule."""
from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from accounts.models import Tenant

from .models import Lot
from .services import credits_expire_lots, credits_expire_reservations, recharge_process, recharge_run, recharge_sweep
from .services.expiry_notices import funds_expiring_notify

TRANSIENT = (OperationalError, InterfaceError, OSError)


def credits_task(name: str):
    """A credits task retried with backoff on transient database and network errors."""
    return shared_task(name=name, autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, retry_jitter=True,
                       max_retries=5)


@credits_task("billing.credits.tasks.start_recharge")
def start_recharge(tenant_id):
    """A debit crossed the tenant's trigger: start its recharge if one is due and none is pending, and charge it."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return None
    attempt = recharge_run(tenant=tenant)
    return attempt and {"attempt": attempt.pk, "status": attempt.status}


@credits_task("billing.credits.tasks.process_recharge")
def process_recharge(attempt_id):
    """Charges a pending attempt whose worker was lost (or finishes nothing when it is already done)."""
    attempt = recharge_process(attempt_id=attempt_id)
    return {"attempt": attempt.pk, "status": attempt.status}


@credits_task("billing.credits.tasks.sweep_recharges")
def sweep_recharges():
    """Every minute: start the recharges that lost messages missed and resume those of lost workers."""
    return recharge_sweep()


@credits_task("billing.credits.tasks.notify_expiring_funds")
def notify_expiring_funds():
    """Daily: the "funds expiring" email, once per lot with money left that expires within 30 days."""
    return {"lots": funds_expiring_notify()}


@credits_task("billing.credits.tasks.expire_reservations")
def expire_reservations():
    """Marks holds of calls that never completed as expired (they already stopped holding at their expiry)."""
    return {"reservations": credits_expire_reservations()}


@credits_task("billing.credits.tasks.expire_due_credits")
def expire_due_credits():
    """Expires the due lots of each tenant in its own transaction; safe to run twice (a lot expires once)."""
    now = timezone.now()
    tenant_ids = list(Lot.objects.filter(funded=True, expires_at__lte=now)
                      .values_list("account__tenant", flat=True).distinct().order_by("account__tenant"))

    lots = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids).order_by("pk"):
        lots += len(credits_expire_lots(tenant=tenant, now=now))
    return {"tenants": len(tenant_ids), "lots": lots, "reservations": credits_expire_reservations(now=now)}
