from django.apps import AppConfig


class SpendConfig(AppConfig):
    name = "billing.spend"
    label = "spend"
    verbose_name = "Spend control"
