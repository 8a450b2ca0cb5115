"""/healthz (the process answers) and /readyz (it can do its work: database, migrations, broker, beat).

Load balancers and orchestrators probe these over plain HTTP from anywhere, so both skip the HTTPS redirect
(config/settings/production.py) and say nothing secret: each check is named with ok or what is wrong.
"""
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

BEAT_KEY = "ops:beat:last-seen"
_MIGRATED = {"done": False}


def _json(body, status):
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


@never_cache
def healthz(request):
    return _json({"status": "ok"}, 200)


def beat_heard(now=None):
    """Recorded by the heartbeat task beat sends every OPS_BEAT_HEARTBEAT_SECONDS (ops/tasks.py)."""
    cache.set(BEAT_KEY, now if now is not None else time.time(), timeout=None)


def beat_last_seen():
    return cache.get(BEAT_KEY)


def check_database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def check_migrations():
    if _MIGRATED["done"]:  # once applied they stay applied for this code
        return None
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"{len(pending)} migration(s) not applied, first {pending[0][0].app_label}.{pending[0][0].name}"
    _MIGRATED["done"] = True
    return None


def check_broker():
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return None


def check_beat():
    seen = beat_last_seen()
    period = settings.OPS_BEAT_HEARTBEAT_SECONDS
    if seen is None:
        return "beat's heartbeat never seen"
    age = time.time() - seen
    if age > 2 * period + 5:
        return f"beat last seen {age:.0f} s ago (expected every {period} s)"
    return None


CHECKS = (("database", check_database), ("migrations", check_migrations), ("broker", check_broker), ("beat", check_beat))


@never_cache
def readyz(request):
    results, ready = {}, True
    for name, check in CHECKS:
        try:
            problem = check()
        except Exception as exc:
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else 'unreachable'}"
        results[name] = "ok" if problem is None else problem
        ready = ready and problem is None
    return _json({"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503)
