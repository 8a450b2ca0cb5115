"""Billing notifications pages (Billing > Billing notifications)."""
from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("billing/notifications/", views.notification_settings, name="settings"),
    path("billing/notifications/recipients/", views.recipient_add, name="recipient_add"),
    path("billing/notifications/recipients/<int:recipient_id>/remove/", views.recipient_remove, name="recipient_remove"),
    path("billing/notifications/preferences/", views.preferences_save, name="preferences"),
    path("billing/notifications/settings/", views.settings_edit, name="settings_edit"),
    path("billing/notifications/test-email/", views.test_email_send, name="test_email"),
    path("billing/notifications/email-log/", views.email_log, name="email_log"),
    path("billing/notifications/email-log/<int:email_id>/", views.email_detail, name="email_detail"),
]
