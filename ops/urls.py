"""/healthz, /readyz and /metrics (ops/health.py, ops/metrics.py): no session, no tenant."""
from django.urls import path

from .health import healthz, readyz
from .metrics import metrics_view

urlpatterns = [
    path("healthz", healthz, name="ops-healthz"),
    path("readyz", readyz, name="ops-readyz"),
    path("metrics", metrics_view, name="ops-metrics"),
]
