from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing with no models: plain SQL, money, Graph errors, error pages, plug-in points."""

    name = "core"
    verbose_name = "Core"
