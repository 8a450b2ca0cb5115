"""Pages of Rating and charging, under Billing."""
from django.urls import path

from . import views

app_name = "rating"

urlpatterns = [
    path("billing/rates/", views.rates, name="rates"),
    path("billing/rates/upload/", views.rates_upload, name="rates_upload"),
    path("billing/rates/export/", views.rates_export, name="rates_export"),
    path("billing/rates/versions/<int:version_id>/export/", views.rates_export_version, name="rates_export_version"),
]
