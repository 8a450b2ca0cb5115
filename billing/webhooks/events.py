"""The money events a tenant's systems can subscribe to, and which billing notification raises each one."""
from django.db import models

from billing.notifications.events import Event


class EventType(models.TextChoices):
    BALANCE_LOW = "balance.low", "Balance below a low-balance level"
    BALANCE_ZERO = "balance.zero", "Balance reached zero"
    RECHARGE_SUCCEEDED = "recharge.succeeded", "Auto-recharge succeeded"
    RECHARGE_FAILED = "recharge.failed", "Auto-recharge failed"
    RECHARGE_PAUSED = "recharge.paused", "Auto-recharge paused"
    POOL_THRESHOLD = "pool.threshold", "Minute pool at 80% or 100%"
    SPEND_LIMIT_REACHED = "spend_limit.reached", "A user reached their spend limit"
    INVOICE_ISSUED = "invoice.issued", "Invoice issued"
    FUNDS_EXPIRING = "funds.expiring", "Funds expiring"
    SPEND_ANOMALY = "spend.anomaly", "Unusual spend to a country"


# A billing notification raises the webhook event beside it, whether or not its email is switched on.
FROM_NOTIFICATION = {
    Event.LOW_BALANCE: EventType.BALANCE_LOW,
    Event.BALANCE_ZERO: EventType.BALANCE_ZERO,
    Event.RECHARGE_SUCCEEDED: EventType.RECHARGE_SUCCEEDED,
    Event.RECHARGE_FAILED: EventType.RECHARGE_FAILED,
    Event.AUTO_RECHARGE_PAUSED: EventType.RECHARGE_PAUSED,
    Event.AUTO_RECHARGE_CAPPED: EventType.RECHARGE_PAUSED,
    Event.POOL_80: EventType.POOL_THRESHOLD,
    Event.POOL_100: EventType.POOL_THRESHOLD,
    Event.FUNDS_EXPIRING: EventType.FUNDS_EXPIRING,
}
