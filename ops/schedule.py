"""Beat entries of the ops app (named in config/celery.py)."""
from celery.schedules import crontab
from django.conf import settings

BEAT_SCHEDULE = {
    "ops-beat-heartbeat": {"task": "ops.beat_heartbeat", "schedule": float(settings.OPS_BEAT_HEARTBEAT_SECONDS)},
    # Months ahead exist long before a call needs them; 03:17 UTC stays clear of the statements at 02:00 on the 1st.
    "ops-call-record-partitions": {"task": "ops.call_record_partitions", "schedule": crontab(hour=3, minute=17)},
}
