"""Celery beat entries of billing notifications."""

BEAT_SCHEDULE = {
    "notifications-redeliver-stale-emails": {
        "task": "billing.notifications.tasks.redeliver_stale_emails",
        "schedule": 300.0,
    },
}
