"""gunicorn's configuration for bin/run-production (read from the environment; see the README's settings table).

Sync workers: a request holds one database connection for its whole life and the call API's work is short SQL,
so a worker per core or two (WEB_CONCURRENCY) beats threads; bench/bench_load.py measured the choice.
SIGTERM: gunicorn stops accepting, lets running requests finish within GUNICORN_GRACEFUL_TIMEOUT, then exits.
"""
import os

from django.core.exceptions import ImproperlyConfigured


def _int(name, default, minimum=1):
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1))
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 0, minimum=0)  # 0: never recycle a worker
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django's LOGGING writes the app's lines (JSON in production); gunicorn's access log would repeat each request.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
proc_name = "commscredits-web"
wsgi_app = "config.wsgi:application"
raw_env = [f"DJANGO_SETTINGS_MODULE={os.environ.get('DJANGO_SETTINGS_MODULE', 'config.settings.production')}"]


def child_exit(server, worker):
    """A worker's metrics files stay summed after it exits; its live gauges go (prometheus_client multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_starting(server):
    server.log.info("gunicorn: %s sync workers on %s", workers, bind)
