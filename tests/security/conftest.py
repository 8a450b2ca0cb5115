"""Fixtures of the security suite: the rating fixtures (a calling deck, a caller) for the call endpoints."""
from tests.rating.conftest import calling_deck, day_ahead, fresh_rate_cache, import_deck, now  # noqa: F401
