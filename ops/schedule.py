"""Beat entries of the ops app (named in config/celery.py)."""
from django.conf import settings

BEAT_SCHEDULE = {
    "ops-beat-heartbeat": {"task": "ops.beat_heartbeat", "schedule": float(settings.OPS_BEAT_HEARTBEAT_SECONDS)},
}
