"""The Celery app: reads CELERY_* settings, finds tasks.py in every app and each app's beat entries."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("commscredits")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _collect_beat_schedules(sender, **kwargs):
    """Each app may declare `BEAT_SCHEDULE = {...}` in its `schedule.py`; beat runs their union."""
    from accounts.extensions import app_modules

    for module in app_modules("schedule"):
        sender.conf.beat_schedule.update(module.BEAT_SCHEDULE)
