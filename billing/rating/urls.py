"""Pages of Rating and charging, under Billing: Rates and the License optimizer."""
from django.urls import path

from . import views
from .optimizer import views as optimizer

app_name = "rating"

urlpatterns = [
    path("billing/rates/", views.rates, name="rates"),
    path("billing/rates/export/", views.rates_export, name="rates_export"),
    path("billing/rates/versions/<int:version_id>/export/", views.rates_export_version, name="rates_export_version"),
    path("billing/license-optimizer/", optimizer.license_optimizer, name="license_optimizer"),
    path("billing/license-optimizer/export.csv", optimizer.license_optimizer_csv, name="license_optimizer_csv"),
    path("billing/license-optimizer/what-if/<uuid:user_id>/", optimizer.license_what_if_page, name="license_what_if"),
]
