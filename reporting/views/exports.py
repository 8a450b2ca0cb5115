"""Export to Excel: start an export of the usage report, follow its progress, download the file."""
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from accounts.roles import Cap
from reporting.models import ExportJob
from reporting.parameters import parse_usage_parameters
from reporting.services import export_request, parameters_of

from .usage import filter_labels, usage_page


@admin_required(Cap.REPORTS_READ)
@require_POST
def export_start(request):
    """Queues the export of the run the posted form describes; a bad parameter re-opens the panel with the error."""
    try:
        parameters = parse_usage_parameters(request.POST, tenant=request.tenant, today=timezone.now().date())
        job = export_request(tenant=request.tenant, actor=request.user, parameters=parameters,
                             format=request.POST.get("format", ""))
    except ValidationError as exc:
        errors = {field: " ".join(found) for field, found in exc.message_dict.items()}
        return usage_page(request, data=request.POST, panel="export", extra_errors=errors, status=400)
    if request.htmx:
        return render(request, "reporting/_export_progress.html", {"job": job})
    return redirect("reporting:export_status", job_id=job.pk)


@admin_required(Cap.REPORTS_READ)
def export_status(request, job_id):
    """The job's progress: the htmx poll gets the progress fragment, a browser the whole page."""
    job = get_object_or_404(ExportJob, pk=job_id, tenant=request.tenant)
    if request.htmx:
        return render(request, "reporting/_export_progress.html", {"job": job})
    return render(request, "reporting/export.html", {"job": job,
                                                     "filter_labels": filter_labels(parameters_of(job).filters)})


@admin_required(Cap.REPORTS_READ)
def export_download(request, job_id):
    job = get_object_or_404(ExportJob, pk=job_id, tenant=request.tenant, status=ExportJob.Status.SUCCEEDED)
    content_type = "application/zip" if job.format == ExportJob.Format.CSV else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=content_type)
