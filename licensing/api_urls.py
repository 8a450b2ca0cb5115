"""Routes of licensing mounted at /api/v1/."""
from django.urls import path

from .api.subscriptions import SubscriptionsView

urlpatterns = [
    path("subscriptions", SubscriptionsView.as_view(), name="api-subscriptions"),
]
