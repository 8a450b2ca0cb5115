"""Graph-compatible routes of licensing, mounted at /v1.0/."""
from django.urls import path

from .api import graph

urlpatterns = [
    path("subscribedSkus", graph.SubscribedSkusView.as_view(), name="graph-subscribed-skus"),
    path("subscribedSkus/<str:key>", graph.SubscribedSkuView.as_view(), name="graph-subscribed-sku"),
    path("users", graph.UsersView.as_view(), name="graph-users"),
    path("users/$count", graph.UsersCountView.as_view(), name="graph-users-count"),
    path("users/<str:key>", graph.UserView.as_view(), name="graph-user"),
    path("users/<str:key>/assignLicense", graph.AssignLicenseView.as_view(), name="graph-assign-license"),
    path("users/<str:key>/licenseDetails", graph.LicenseDetailsView.as_view(), name="graph-license-details"),
]
