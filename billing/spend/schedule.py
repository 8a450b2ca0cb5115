"""Celery beat entries of spend control."""

BEAT_SCHEDULE = {
    "spend-check-anomalies": {
        "task": "billing.spend.tasks.check_spend_anomalies",
        "schedule": 900.0,
    },
}
