"""Org settings > Webhooks pages."""
from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("settings/webhooks/", views.endpoints, name="endpoints"),
    path("settings/webhooks/<str:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("settings/webhooks/<str:endpoint_id>/toggle/", views.endpoint_toggle, name="toggle"),
    path("settings/webhooks/<str:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("settings/webhooks-log/", views.delivery_log, name="deliveries"),
    path("settings/webhooks-log/<int:delivery_id>/replay/", views.delivery_replay, name="replay"),
]
