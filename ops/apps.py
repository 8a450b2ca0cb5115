from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the product: health and readiness, Prometheus metrics, JSON logs, call-record partitions."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from . import signals  # noqa: F401 (Celery's task signals: log context and task metrics)
