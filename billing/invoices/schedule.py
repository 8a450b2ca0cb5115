"""Celery beat entries of invoices."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "invoices-issue-monthly-statements": {
        "task": "billing.invoices.tasks.issue_monthly_statements",
        # 02:00 UTC on the 1st: the month has ended and the 00:15 expiry of due credits has run.
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
}
