"""Operations' beat tasks: the heartbeat /readyz looks for, call-record partitions ahead, and retention."""
import logging

from celery import shared_task

from .health import beat_heard

log = logging.getLogger(__name__)


@shared_task(name="ops.beat_heartbeat", ignore_result=True)
def beat_heartbeat():
    beat_heard()
