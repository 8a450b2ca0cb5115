from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billing.notifications"
    label = "notifications"
    verbose_name = "Billing notifications"
