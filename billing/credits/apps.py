from django.apps import AppConfig


class CreditsConfig(AppConfig):
    """Communications Credits. The label stays "billing", which names its tables and migrations."""

    name = "billing.credits"
    label = "billing"
    verbose_name = "Communications Credits"
