"""Product catalogue, subscriptions, licence assignment, Active users and the Graph users API."""
from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"
    label = "licensing"
    verbose_name = "Licensing"

    def ready(self):
        from .api import schema  # noqa: F401  (registers the bearer-token scheme with drf-spectacular)
