"""Celery beat entries of Communications Credits."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "billing-expire-due-credits": {
        "task": "billing.tasks.expire_due_credits",
        "schedule": crontab(hour=0, minute=15),
    },
}
