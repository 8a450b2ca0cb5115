"""Background work of Reports: write an export file, and remove exports past their keeping time."""
from celery import shared_task

from .services import export_run, exports_purge


# No automatic retry: a failed export is recorded on its job and the person asks again; the time limit is the
# task's own because a year of a large tenant's calls takes longer than the default task limit.
@shared_task(name="reporting.tasks.export_pstn_usage", time_limit=1800, soft_time_limit=1740)
def export_pstn_usage(job_id):
    job = export_run(job_id=job_id)
    return {"job": str(job.pk), "status": job.status, "rows": job.row_count}


@shared_task(name="reporting.tasks.purge_old_exports")
def purge_old_exports():
    return {"deleted": exports_purge()}
