"""The shell's two extension points: Home cards and demo seeders.

An app adds a Home card by decorating `cards(request)` in its `home.py` with `@home_cards`, and demo data by
decorating `seed(*, tenant, stdout)` in its `demo.py` with `@demo_seeder`. Django's `autodiscover_modules`
imports those modules of every installed app, in INSTALLED_APPS order, which is the order Home shows the
cards and `seed_demo` runs the seeders (accounts creates the tenant, then licensing, credits, rating, invoices,
notifications). URLs and beat schedules are not discovered: config/urls.py and config/celery.py name each one.
"""
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

CardsProvider = Callable[[Any], list[dict[str, Any]]]
Seeder = Callable[..., Any]

_card_providers: list[CardsProvider] = []
_seeders: list[Seeder] = []


def home_cards(provider: CardsProvider) -> CardsProvider:
    if provider not in _card_providers:
        _card_providers.append(provider)
    return provider


def demo_seeder(seed: Seeder) -> Seeder:
    if seed not in _seeders:
        _seeders.append(seed)
    return seed


def _in_app_order(functions):
    """Registration follows import order, which tests and commands change; the order that counts is the apps'."""
    order = {config.name: index for index, config in enumerate(apps.get_app_configs())}

    def app_index(function):
        config = apps.get_containing_app_config(function.__module__)
        if config is None:
            raise LookupError(f"{function.__module__} is not in an installed app.")
        return order[config.name]

    return sorted(functions, key=app_index)


def card_providers() -> list[CardsProvider]:
    autodiscover_modules("home")
    return _in_app_order(_card_providers)


def seeders() -> list[Seeder]:
    autodiscover_modules("demo")
    return _in_app_order(_seeders)
