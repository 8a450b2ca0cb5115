"""Fixtures of the invoice tests: PDFs go to a temporary MEDIA_ROOT; a clock to build past months with."""
import pytest

from billing.rating.lookup import rate_cache


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock(clock):
    """The suite's clock stopped on Apr 1, 2026: a past month is built by moving it through that month."""
    clock.at(2026, 4, 1, 6)
    return clock


@pytest.fixture(autouse=True)
def cold_rate_cache():
    """Rated calls read the rate book through a process cache: each test starts cold, as a new worker would."""
    rate_cache.clear()
    yield
    rate_cache.clear()
