"""Calling policy pages."""
from django.urls import path

from . import views

app_name = "spend"

urlpatterns = [
    path("billing/calling-policy/", views.calling_policy_page, name="calling_policy"),
    path("billing/calling-policy/destinations/", views.destination_policy_add, name="destination_add"),
    path("billing/calling-policy/destinations/default/", views.destination_policy_default, name="destination_default"),
    path("users/active/<uuid:user_id>/calling-policy/", views.user_spend_panel, name="user_spend"),
]
