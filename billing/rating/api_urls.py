"""Routes of Rating and charging under /api/v1/."""
from django.urls import path

from .api import RateLookupView
from .api_calls import CallAuthorizeView, CallCompleteView, CallImportView

urlpatterns = [
    path("rates", RateLookupView.as_view(), name="api-rates"),
    path("calls/authorize", CallAuthorizeView.as_view(), name="api-calls-authorize"),
    path("calls/import", CallImportView.as_view(), name="api-calls-import"),
    path("calls/<str:call_id>/complete", CallCompleteView.as_view(), name="api-calls-complete"),
]
