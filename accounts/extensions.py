"""Finds optional per-app modules (demo data, Home cards) so each app plugs in without editing accounts."""
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

PROJECT_APPS = ("accounts", "licensing", "billing", "billing.rating", "billing.invoices",
                "billing.notifications", "reporting")


def app_modules(module_name):
    """Yields `<app>.<module_name>` for each project app that has one, in dependency order."""
    for app_name in PROJECT_APPS:
        if not apps.is_installed(app_name):
            continue
        dotted = f"{app_name}.{module_name}"
        if find_spec(dotted) is not None:
            yield import_module(dotted)
