"""Calling policy endpoints under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("calling-policy", api.CallingPolicyView.as_view(), name="api-calling-policy"),
    path("users/<str:user_id>/calling-policy", api.UserCallingPolicyView.as_view(), name="api-user-calling-policy"),
]
