"""/api/v1/rates: the price of a destination from the rate deck in force."""
from django.urls import path

from .api import RateLookupView

urlpatterns = [
    path("rates", RateLookupView.as_view(), name="api-rates"),
]
