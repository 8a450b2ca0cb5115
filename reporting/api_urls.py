"""/api/v1/reports/… routes of Reports (mounted by config/urls.py)."""
from django.urls import path

from . import api

urlpatterns = [
    path("reports/spend", api.SpendView.as_view(), name="api-reports-spend"),
]
