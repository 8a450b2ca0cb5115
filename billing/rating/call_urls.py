"""/api/v1/calls/…: the telephony platform's endpoints (bearer token with the calls scope, no browser session)."""
from django.urls import path

from .api_calls import CallAuthorizeView, CallCompleteView, CallExtendView, CallImportView

urlpatterns = [
    path("authorize", CallAuthorizeView.as_view(), name="api-calls-authorize"),
    path("import", CallImportView.as_view(), name="api-calls-import"),
    path("<str:call_id>/complete", CallCompleteView.as_view(), name="api-calls-complete"),
    path("<str:call_id>/extend", CallExtendView.as_view(), name="api-calls-extend"),
]
