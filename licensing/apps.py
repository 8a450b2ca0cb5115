"""Product catalogue, subscriptions, license assignment, Active users and the Graph users API."""
from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"
    label = "licensing"
    verbose_name = "Licensing"

