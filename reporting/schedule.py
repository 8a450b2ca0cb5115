"""Celery beat entries of Reports."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "reporting-purge-old-exports": {
        "task": "reporting.tasks.purge_old_exports",
        "schedule": crontab(hour=2, minute=30),
    },
}
