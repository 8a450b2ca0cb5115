"""Fixtures of the invoice tests: PDFs go to a temporary MEDIA_ROOT; a clock to build past months with."""
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from billing.rating.lookup import rate_cache
from tests.invoices.factories import Clock


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock(monkeypatch):
    """Services date ledger entries with timezone.now(): a past month is built by moving this clock through it."""
    clock = Clock(datetime(2026, 4, 1, 6, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture(autouse=True)
def cold_rate_cache():
    """Rated calls read the rate book through a process cache: each test starts cold, as a new worker would."""
    rate_cache.clear()
    yield
    rate_cache.clear()
