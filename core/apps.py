from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing with no models: plain SQL, money, Graph errors, error pages, plug-in points."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.core.exceptions import ImproperlyConfigured

        from config.settings.env import unknown_product_variables

        from . import checks  # noqa: F401 (registers the product's system checks)

        unknown = unknown_product_variables()
        if unknown:
            raise ImproperlyConfigured(f"Unknown setting{'s' if len(unknown) > 1 else ''} in the environment: "
                                       f"{', '.join(unknown)} (misspelt? see the README's settings table).")
