"""Routes of Rating and charging under /api/v1/."""
from django.urls import path

from .api import RateLookupView

urlpatterns = [
    path("rates", RateLookupView.as_view(), name="api-rates"),
]
