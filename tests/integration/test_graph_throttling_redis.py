"""Graph throttling across processes: several processes charging one tenant in Redis together never let more
requests through than the limit, and a server's requests are throttled on what every process counted.

Uses Redis database 4 unless GRAPH_THROTTLE_TEST_REDIS_URL names another; every test counts under a key of its own.
"""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.core.cache import caches

from config.settings.base import _cache_from_env
from core.throttling import Limit, throttle_charge
from tests.licensing.test_graph_users import assert_graph_error

pytestmark = [pytest.mark.integration]

REDIS_URL = os.environ.get("GRAPH_THROTTLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
BASE_DIR = Path(__file__).resolve().parents[2]
PROCESSES, ATTEMPTS, UNITS = 4, 120, 150

# Each process waits for the same start instant, then charges ATTEMPTS requests as fast as it can and prints how many
# were let through.
CHILD = """
import os, sys, time
import django
django.setup()
from django.core.cache import cache
from core.throttling import Limit, throttle_charge
key, start, now = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
cache.get("warm-up")  # connect before the start, so that the processes race from the first request
limit = Limit("integration", units=int(sys.argv[4]), seconds=3600)
while time.time() < start:
    time.sleep(0.001)
print(sum(throttle_charge(limit=limit, key=key, now=now) is None for _ in range(int(sys.argv[5]))))
"""


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL} (start it: redis-server --port 6379).")
    settings.CACHES = {"default": _cache_from_env(REDIS_URL)}  # what CACHE_URL gives every process
    yield caches["default"]


def _race_once():
    key, now = str(uuid.uuid4()), time.time()
    env = {**os.environ, "CACHE_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    start = time.time() + 3
    children = [subprocess.Popen([sys.executable, "-c", CHILD, key, str(start), str(now), str(UNITS), str(ATTEMPTS)],
                                 cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(PROCESSES)]
    allowed = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        allowed.append(int(out.strip()))
    assert sum(allowed) == UNITS, allowed
    return key, now, allowed


def test_processes_charging_one_tenant_together_let_exactly_the_limit_through(redis_cache):
    # On a loaded machine the processes may not overlap: every round must let exactly the limit through, and at
    # least one of up to ten rounds must have really raced (two processes each let some, not all, through).
    for _ in range(10):
        key, now, allowed = _race_once()
        if sum(0 < n < ATTEMPTS for n in allowed) >= 2:
            break
    assert sum(0 < n < ATTEMPTS for n in allowed) >= 2, allowed  # they really raced
    # The next request of any process is still refused, and says when to come back.
    assert throttle_charge(limit=Limit("integration", units=UNITS, seconds=3600), key=key, now=now) is not None


@pytest.mark.django_db
def test_a_server_throttles_on_what_other_processes_counted(redis_cache, tenant, api_client_for, settings, clock):
    settings.GRAPH_THROTTLE_LIMITS = {**settings.GRAPH_THROTTLE_LIMITS, "callRecords": (2, 60)}
    path = "/v1.0/communications/callRecords/getPstnCalls(fromDateTime=2026-01-01,toDateTime=2026-01-02)"
    limit = Limit("callRecords", units=2, seconds=60)
    assert throttle_charge(limit=limit, key=tenant.pk, cost=2, now=clock.now().timestamp()) is None  # another process
    assert_graph_error(api_client_for(tenant).get(path), 429, "TooManyRequests")
