"""Fixtures of the spend-control tests: the calling test deck of tests/rating, a caller with credits."""
import pytest

from billing.rating.lookup import rate_cache
from tests.rating.conftest import calling_deck, day_ahead, import_deck, now  # noqa: F401 (fixtures reused)


@pytest.fixture(autouse=True)
def fresh_rate_cache():
    rate_cache.clear()
    yield
    rate_cache.clear()
