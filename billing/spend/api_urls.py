"""Calling policy endpoints under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("calling-policy", api.CallingPolicyView.as_view(), name="api-calling-policy"),
    path("destination-policies", api.DestinationPolicyListView.as_view(), name="api-destination-policies"),
    path("destination-policies/<str:policy_id>", api.DestinationPolicyDetailView.as_view(),
         name="api-destination-policy"),
    path("users/<str:user_id>/calling-policy", api.UserCallingPolicyView.as_view(), name="api-user-calling-policy"),
]
