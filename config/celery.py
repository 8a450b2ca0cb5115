"""The Celery app: reads CELERY_* settings, finds tasks.py in every app and runs the beat entries each app declares."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("commscredits")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _make_broker_folders():
    """The embedded broker's folders: any process may enqueue first (seed_demo, a management command), not only
    `make run`, which used to create them."""
    options = app.conf.broker_transport_options or {}
    if str(app.conf.broker_url).startswith("filesystem"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                os.makedirs(options[key], exist_ok=True)


_make_broker_folders()


@app.on_after_finalize.connect
def _collect_beat_schedules(sender, **kwargs):
    """Beat runs the union of the apps' schedules, each named here."""
    from billing.credits.schedule import BEAT_SCHEDULE as credits
    from billing.invoices.schedule import BEAT_SCHEDULE as invoices
    from billing.notifications.schedule import BEAT_SCHEDULE as notifications
    from billing.rating.schedule import BEAT_SCHEDULE as rating
    from billing.spend.schedule import BEAT_SCHEDULE as spend
    from billing.webhooks.schedule import BEAT_SCHEDULE as webhooks
    from licensing.schedule import BEAT_SCHEDULE as licensing
    from ops.schedule import BEAT_SCHEDULE as ops
    from reporting.schedule import BEAT_SCHEDULE as reporting

    for schedule in (credits, rating, invoices, notifications, reporting, webhooks, spend, ops, licensing):
        sender.conf.beat_schedule.update(schedule)
