"""Models of Reports: an export job of the PSTN usage report, from request to downloadable file."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportJob(models.Model):
    """One "Export to Excel" request: its parameters, how far the worker got, and the file it wrote.

    The id is a random UUID so that a download link cannot be guessed; every door still checks the tenant.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "In progress"
        SUCCEEDED = "succeeded", "Completed"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV in a zip file"
        XLSX = "xlsx", "Excel workbook (.xlsx)"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="report_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    requested_by_label = models.CharField(max_length=320)
    report = models.CharField(max_length=32, default="pstn_usage")
    parameters = models.JSONField(help_text="The report parameters as parameters.json holds them")
    format = models.CharField(max_length=8, choices=Format.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the rows written")
    total_rows = models.PositiveIntegerField(null=True, blank=True, help_text="Rows the export will hold, counted at start")
    row_count = models.PositiveIntegerField(default=0, help_text="Rows written so far")
    file = models.FileField(upload_to="reports/exports/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="The name the download is saved under")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="export_tenant_newest")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
            models.CheckConstraint(condition=~Q(status="succeeded") | (~Q(file="") & Q(progress=100)),
                                   name="export_succeeded_has_file"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="export_failed_has_error"),
        ]

    def __str__(self):
        return f"{self.get_format_display()} export {self.pk} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in self.FINISHED
