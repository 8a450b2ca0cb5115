"""Operations' beat tasks: the heartbeat /readyz looks for, call-record partitions ahead, and retention."""
import logging

from celery import shared_task

from .health import beat_heard

log = logging.getLogger(__name__)


@shared_task(name="ops.beat_heartbeat", ignore_result=True)
def beat_heartbeat():
    beat_heard()


@shared_task(name="ops.call_record_partitions", ignore_result=True)
def call_record_partitions():
    """Daily: next months' call-record partitions made ahead, then months past retention archived and dropped."""
    from django.conf import settings
    from django.utils import timezone

    from billing.rating.partitions import partitions_ensure, partitions_retire

    now = timezone.now()
    partitions_ensure(now=now, months_ahead=settings.RATING_PARTITIONS_AHEAD_MONTHS)
    partitions_retire(now=now, keep_months=settings.RATING_RETENTION_MONTHS, archive_dir=settings.RATING_ARCHIVE_DIR)
