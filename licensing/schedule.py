"""Celery beat entries of licensing."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "licensing-purge-deleted-users": {
        "task": "licensing.tasks.purge_deleted_users",
        "schedule": crontab(hour=3, minute=15),
    },
}
