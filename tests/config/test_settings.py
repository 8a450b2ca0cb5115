"""Settings read from the environment fail loudly on bad values; production passes Django's deploy checks."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://app@db.internal:5432/commscredits"  # never connected to: `check` reads settings only
PRODUCTION = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "admin.example.com",
              "SECRET_KEY": "k" * 20 + "8f3b2c1d9e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d",
              "DATABASE_URL": PG}


def test_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a boolean"):
        env_bool("SOME_FLAG", False)


def test_bad_integer_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER='ten' is not a whole number"):
        env_int("SOME_NUMBER", 1)


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)




def test_production_refuses_the_development_secret():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production",
                     SECRET_KEY="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop",
                     ALLOWED_HOSTS="admin.example.com", ALLOW_SANDBOX_GATEWAY="true")
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_malformed_database_url_fails_loudly():
    result = _manage("check", DATABASE_URL="nosuchdb://what")
    assert result.returncode != 0
    assert "DATABASE_URL='nosuchdb://what' is not a database URL" in result.stderr


def test_tunables_come_from_the_environment():
    result = _manage("shell", "--no-imports", "-c",
                     "from django.conf import settings; from billing.credits.recharge.policy import recharge_policy as p; "
                     "print(settings.CREDITS_RECHARGE_RETRY_DELAYS, p().lease.seconds, p().expiry_notice.days)",
                     CREDITS_RECHARGE_RETRY_DELAYS="60, 120", CREDITS_RECHARGE_LEASE_SECONDS="900",
                     CREDITS_EXPIRY_NOTICE_DAYS="14")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[60, 120] 900 14"


@pytest.mark.parametrize(("env", "message"), [
    ({"CREDITS_RECHARGE_RETRY_DELAY": "60"}, "Unknown setting in the environment: CREDITS_RECHARGE_RETRY_DELAY"),
    ({"CREDITS_RECHARGE_RETRY_DELAYS": "1h,6h"}, "CREDITS_RECHARGE_RETRY_DELAYS='1h,6h' is not a comma-separated list"),
    ({"CREDITS_EXPIRY_NOTICE_DAYS": "0"}, "CREDITS_EXPIRY_NOTICE_DAYS='0' must be at least 1"),
    ({"RATING_MAX_CALL_MINUTES": "four hours"}, "RATING_MAX_CALL_MINUTES='four hours' is not a whole number"),
])
def test_a_misspelt_or_malformed_setting_stops_start_up_naming_it(env, message):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(("env", "message"), [
    ({"DATABASE_URL": None}, "Set the environment variable DATABASE_URL."),
    ({"DATABASE_URL": "sqlite:///var/db.sqlite3"}, "DATABASE_URL must be a postgres:// URL in production."),
    ({"CELERY_BROKER_URL": "filesystem://localhost/"}, "CELERY_BROKER_URL='filesystem://localhost/' must be a redis://"),
    ({"CACHE_URL": ""}, "Set CACHE_URL to a redis:// URL in production"),
    ({"OPS_LOG_FORMAT": "xml"}, "OPS_LOG_FORMAT='xml' is neither json nor text."),
    ({"OPS_BEAT_HEARTBEAT_SECONDS": "0"}, "OPS_BEAT_HEARTBEAT_SECONDS='0' must be at least 1"),
    ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS"),
])
def test_a_missing_or_malformed_production_setting_stops_start_up_naming_it(env, message):
    settings = {k: v for k, v in {**PRODUCTION, **env}.items() if v is not None}
    full_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
                                                                   "DATABASE_URL", *env)}
    full_env.update(settings)
    result = subprocess.run(["bash", "bin/run-production"], cwd=ROOT, env=full_env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert f"run-production: cannot start: {message}" in result.stderr
    assert "Traceback" not in result.stderr and "gunicorn" not in result.stderr  # nothing was started
