"""Test data helpers of the credits tests."""
from importlib import import_module

from django.apps import apps

from billing.credits.models import RecommendedFunding


def ensure_recommended_funding():
    """Reloads the recommended amounts the data migration ships when a transactional test's flush removed them."""
    if not RecommendedFunding.objects.exists():
        import_module("billing.credits.migrations.0002_recommended_funding").seed(apps, None)
