"""Celery beat entries of Communications Credits."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The recharge safety net: lost messages, retries whose wait is over, attempts of lost workers.
    "billing-sweep-recharges": {
        "task": "billing.credits.tasks.sweep_recharges",
        "schedule": 60.0,
        "options": {"expires": 55},  # a sweep still queued when the next is due is dropped, not run twice
    },
    "billing-expire-due-credits": {
        "task": "billing.credits.tasks.expire_due_credits",
        "schedule": crontab(hour=0, minute=15),
    },
    "billing-notify-expiring-funds": {
        "task": "billing.credits.tasks.notify_expiring_funds",
        "schedule": crontab(hour=8, minute=0),
    },
    "billing-expire-reservations": {
        "task": "billing.credits.tasks.expire_reservations",
        "schedule": 600.0,
    },
}
