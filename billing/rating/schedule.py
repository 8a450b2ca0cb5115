"""Celery beat entries of Rating and charging."""
BEAT_SCHEDULE = {
    "rating-expire-call-authorizations": {
        "task": "billing.rating.tasks.expire_call_authorizations",
        "schedule": 300.0,  # every five minutes: a forgotten hold keeps minutes and credit from other calls
    },
    "rating-fold-usage-days": {
        "task": "billing.rating.tasks.fold_usage_days",
        "schedule": 60.0,  # the report adds what is not folded yet: this only keeps that part small
    },
}
