"""Webhook endpoints under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("webhooks", api.WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<str:endpoint_id>", api.WebhookDetailView.as_view(), name="api-webhook"),
    path("webhooks/<str:endpoint_id>/rotate-secret", api.WebhookRotateSecretView.as_view(),
         name="api-webhook-rotate-secret"),
    path("webhooks/<str:endpoint_id>/deliveries", api.WebhookDeliveriesView.as_view(), name="api-webhook-deliveries"),
    path("webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/replay", api.WebhookReplayView.as_view(),
         name="api-webhook-replay"),
]
