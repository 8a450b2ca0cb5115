"""Reads of the auto-recharge engine shared by its services, the sweep and the Communications Credits page."""
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from billing.credits.models import AutoRechargeSettings, Lot, RechargeAttempt, Reservation
from billing.credits.selectors import _sum  # the same per-account sum credits_balance uses

Status = RechargeAttempt.Status
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def waiting_after_failure(*, now):
    """Failed attempts whose retry time is still ahead. Saving the settings (or a success) resets the count of
    failures, and with it the wait, so they hold a tenant back only while `consecutive_failures > 0`."""
    return RechargeAttempt.objects.filter(status=Status.FAILED, retry_at__gt=now)


def recharge_candidates(*, now):
    """Tenant ids whose auto-recharge is on, not paused, below its trigger, without a pending attempt and not
    waiting after a failure, in one query (recharge_start checks each again under the settings lock)."""
    account = OuterRef("tenant__credit_account")
    return list(
        AutoRechargeSettings.objects.filter(enabled=True, paused=False)
        .annotate(
            balance=Coalesce("tenant__credit_account__balance", Value(0, output_field=MONEY_FIELD), output_field=MONEY_FIELD),
            reserved=_sum(Reservation.objects.filter(account=account, status=Reservation.Status.HELD,
                                                     expires_at__gt=now), "amount"),
            expiring=_sum(Lot.objects.filter(account=account, remaining__gt=0, expires_at__lte=now), "remaining"),
        )
        .alias(available=F("balance") - F("reserved") - F("expiring"))
        .filter(available__lt=F("trigger_amount"))
        .exclude(Exists(RechargeAttempt.objects.filter(tenant=OuterRef("tenant"), status=Status.PENDING)))
        .exclude(Q(consecutive_failures__gt=0) & Exists(waiting_after_failure(now=now).filter(tenant=OuterRef("tenant"))))
        .order_by("tenant_id").values_list("tenant_id", flat=True)
    )


def stale_recharge_ids(*, now, policy):
    """Pending attempts whose worker was lost: claimed longer ago than the lease, or never claimed."""
    return list(
        RechargeAttempt.objects.filter(status=Status.PENDING)
        .filter(Q(claimed_at__lt=now - policy.lease)
                | Q(claimed_at__isnull=True, created_at__lt=now - policy.unclaimed_after))
        .order_by("id").values_list("id", flat=True)
    )


def recharge_history(*, tenant, limit=10):
    """The tenant's latest attempts with their invoices, newest first (the Communications Credits page)."""
    return list(RechargeAttempt.objects.filter(tenant=tenant).select_related("invoice").order_by("-created_at", "-id")
                [:limit])
