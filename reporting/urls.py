"""Pages of Reports: PSTN usage (with its exports), the Communications Credits dashboard and spend by department."""
from django.urls import path

from .views import credits, exports, spend, usage

app_name = "reporting"

urlpatterns = [
    path("reports/pstn-usage/", usage.pstn_usage, name="pstn_usage"),
    path("reports/pstn-usage/export/", exports.export_start, name="export_start"),
    path("reports/exports/<uuid:job_id>/", exports.export_status, name="export_status"),
    path("reports/exports/<uuid:job_id>/download/", exports.export_download, name="export_download"),
    path("reports/credits/", credits.credits_dashboard, name="credits_dashboard"),
    path("reports/credits/spend/", spend.spend_report, name="spend"),
]
