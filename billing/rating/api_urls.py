"""/api/v1/rates: the price of a destination from the rate deck in force; /api/v1/license-optimizer: the cheapest
license mix for the tenant's calls, and one user's what-if."""
from django.urls import path

from .api import RateLookupView
from .optimizer.api import LicenseOptimizerView, LicenseWhatIfView

urlpatterns = [
    path("rates", RateLookupView.as_view(), name="api-rates"),
    path("license-optimizer", LicenseOptimizerView.as_view(), name="api-license-optimizer"),
    path("license-optimizer/what-if", LicenseWhatIfView.as_view(), name="api-license-what-if"),
]
