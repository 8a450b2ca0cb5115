"""Celery beat entries of webhooks."""

BEAT_SCHEDULE = {
    "webhooks-sweep-deliveries": {
        "task": "billing.webhooks.tasks.sweep_webhook_deliveries",
        "schedule": 30.0,
    },
}
