"""Exports of the PSTN usage report: request one, run it in a worker, remove old files.

A job moves pending -> running -> succeeded | failed. The file is written to a temporary file and only saved to
storage once complete, so a failed or interrupted export leaves no partial file behind.
"""
import logging
import os
import tempfile
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services import actor_label, audit_record
from core.validation import is_whole

from .columns import EXPORT_HEADERS
from .exports import XLSX_MAX_ROWS, write_csv_zip, write_xlsx
from .models import ExportJob
from .parameters import UsageFilters, UsageParameters
from .periods import DateRange, earliest_day
from .selectors.usage import calls_for, export_csv, export_values

logger = logging.getLogger(__name__)

# A job still "running" this long after it started lost its worker (the task's hard time limit is shorter).
STALE_AFTER = timedelta(minutes=35)
KEEP_FILES_FOR = timedelta(days=7)
_FILTER_NAMES = {"username": "username", "callType": "call_type", "domesticInternational": "context",
                 "countryOrRegion": "country", "capability": "capability"}


def _job_parameters(*, tenant: Tenant, actor: object, parameters: UsageParameters, format: str,
                    now: datetime) -> dict[str, Any]:
    about = parameters.as_parameters()
    if parameters.filters.user_id:
        about["filters"]["userId"] = str(parameters.filters.user_id)
    return {**about, "format": format, "columns": list(EXPORT_HEADERS),
            "tenant": {"id": str(tenant.pk), "name": tenant.name, "domain": tenant.initial_domain},
            "requestedBy": actor_label(actor), "requestedDateTime": now.isoformat().replace("+00:00", "Z")}


def parameters_of(job: ExportJob) -> UsageParameters:
    """The UsageParameters an export job was requested with (the dates as fixed at request time)."""
    stored = job.parameters
    dates = stored["dateRange"]
    preset = int(dates["range"]) if is_whole(dates["range"]) else None
    period = DateRange(first_day=date.fromisoformat(dates["from"]), last_day=date.fromisoformat(dates["to"]),
                       preset=preset)
    filters = {_FILTER_NAMES[name]: value for name, value in stored["filters"].items() if name in _FILTER_NAMES}
    return UsageParameters(period=period, filters=UsageFilters(user_id=stored["filters"].get("userId"), **filters))


def export_request(*, tenant: Tenant, actor: object, parameters: UsageParameters, format: str) -> ExportJob:
    """Queues an export of the usage report with `parameters` (UsageParameters, already checked) as CSV or XLSX.

    Refuses a format it does not know, a range reaching back more than one year, and an XLSX export of more rows
    than an Excel sheet holds (one count query). The worker starts after commit.
    """
    from .tasks import export_pstn_usage

    if format not in ExportJob.Format.values:
        raise ValidationError({"format": f"'{format}' is not an export format; choose CSV or Excel (.xlsx)."})
    now = timezone.now()
    if parameters.period.first_day < earliest_day(now.date()):
        raise ValidationError({"from": "Exports reach back one year at most."})
    if format == ExportJob.Format.XLSX:
        rows = calls_for(tenant=tenant, parameters=parameters).count()
        if rows > XLSX_MAX_ROWS:
            raise ValidationError({"format": f"This report has {rows:,} rows; an Excel sheet holds {XLSX_MAX_ROWS:,}. "
                                             "Export it as CSV, or choose a shorter date range."})
    with transaction.atomic(durable=True):
        job = ExportJob.objects.create(
            tenant=tenant, requested_by=actor if isinstance(actor, User) else None, requested_by_label=actor_label(actor),
            parameters=_job_parameters(tenant=tenant, actor=actor, parameters=parameters, format=format, now=now),
            format=format, created_at=now)
        audit_record(tenant=tenant, actor=actor, action="reports.export", target=job,
                     after={"format": format, "dateRange": job.parameters["dateRange"],
                            "filters": job.parameters["filters"]})
        transaction.on_commit(lambda: export_pstn_usage.delay(str(job.pk)))
    return job


def _claim(job_id: UUID | str, now: datetime) -> bool:
    """Marks the job running if no live worker has it; False when it is finished or another worker runs it."""
    return bool(ExportJob.objects.filter(pk=job_id)
                .filter(Q(status=ExportJob.Status.PENDING)
                        | Q(status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER))
                .update(status=ExportJob.Status.RUNNING, started_at=now, progress=0, row_count=0, error=""))


def _file_name(job: ExportJob, parameters: UsageParameters) -> str:
    period = parameters.period
    extension = "zip" if job.format == ExportJob.Format.CSV else "xlsx"
    return f"PSTN usage details {period.first_day:%Y-%m-%d} to {period.last_day:%Y-%m-%d}.{extension}"


def export_run(*, job_id: UUID | str) -> ExportJob:
    """Writes the export file of a pending job, reporting progress on the job row as it goes.

    Safe to run twice: a job that is finished, or running in a live worker, is left alone. Returns the job.
    """
    now = timezone.now()
    if not _claim(job_id, now):
        return ExportJob.objects.get(pk=job_id)
    job = ExportJob.objects.select_related("tenant").get(pk=job_id)
    parameters = parameters_of(job)
    handle, path = tempfile.mkstemp(prefix="pstn-export-", suffix=f".{job.format}")
    os.close(handle)
    try:
        total = calls_for(tenant=job.tenant, parameters=parameters).count()
        ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

        def on_progress(rows: int) -> None:
            # New calls may land in the range while the export runs: stay below 100 until the file is saved.
            percent = min(rows * 100 // total, 99) if total else 99
            ExportJob.objects.filter(pk=job.pk).update(progress=percent, row_count=rows)

        def about(rows: int) -> dict[str, Any]:
            return {**job.parameters, "rowCount": rows,
                    "generatedDateTime": timezone.now().isoformat().replace("+00:00", "Z")}

        if job.format == ExportJob.Format.CSV:
            rows = write_csv_zip(path, export_csv(tenant=job.tenant, parameters=parameters), parameters=about,
                                 on_progress=on_progress)
        else:
            rows = write_xlsx(path, export_values(tenant=job.tenant, parameters=parameters), parameters=about,
                              on_progress=on_progress)
        with open(path, "rb") as written:
            job.file.save(_file_name(job, parameters), File(written), save=False)
    except Exception as exc:  # any failure must end the job as failed, with no file, for the person waiting on it
        logger.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=_failure_message(exc),
                                                   finished_at=timezone.now())
        return ExportJob.objects.get(pk=job.pk)
    finally:
        os.unlink(path)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.SUCCEEDED, progress=100, row_count=rows, total_rows=rows, file=job.file.name,
        file_name=_file_name(job, parameters), finished_at=timezone.now())
    return ExportJob.objects.get(pk=job.pk)


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)
    return "The export could not be completed. Try again; if it fails again, choose a shorter date range."


def exports_purge(*, now: datetime | None = None) -> int:
    """Deletes export jobs (and their files) older than KEEP_FILES_FOR; returns how many."""
    now = now or timezone.now()
    old = list(ExportJob.objects.filter(created_at__lt=now - KEEP_FILES_FOR))
    for job in old:
        if job.file:
            job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)
