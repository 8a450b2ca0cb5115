"""Daily upkeep of Communications Credits (runs on the payments queue): forfeit expired lots, end stale holds."""
from celery import shared_task
from django.utils import timezone

from accounts.models import Tenant

from .models import Lot
from .services import credits_expire_lots, credits_expire_reservations


@shared_task(name="billing.tasks.expire_due_credits", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def expire_due_credits():
    """Expires the due lots of each tenant in its own transaction; safe to run twice (a lot expires once)."""
    now = timezone.now()
    tenant_ids = list(Lot.objects.filter(remaining__gt=0, expires_at__lte=now)
                      .values_list("account__tenant", flat=True).distinct().order_by("account__tenant"))

    lots = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids).order_by("pk"):
        lots += len(credits_expire_lots(tenant=tenant, now=now))
    return {"tenants": len(tenant_ids), "lots": lots, "reservations": credits_expire_reservations(now=now)}
