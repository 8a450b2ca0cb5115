"""Production: PostgreSQL, Redis broker and cache, SMTP, HTTPS-only cookies, JSON logs.

Every setting production needs is read here and checked at import: a missing or malformed one stops start-up
with ImproperlyConfigured naming it (bin/run-production runs `manage.py check` first, so nothing half starts).
"""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import _cache_from_env, _logging
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma separated) in production.")

# PostgreSQL only: the ledger's locks, COPY imports and partitioned call records need it.
env_str("DATABASE_URL")  # required: no SQLite file by default here
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL in production.")

MIDDLEWARE = [*MIDDLEWARE[:3], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[3:]]  # noqa: F405

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Probes and Prometheus scrape over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Static files: collected, compressed and fingerprinted by `collectstatic` at start (bin/run-production). With
# STATIC_FROM_FINDERS=true whitenoise serves them from the apps' folders unfingerprinted and nothing is collected
# (the CI smoke test, where compressing 60 MB of assets would take most of its minute).
STATIC_FROM_FINDERS = env_bool("STATIC_FROM_FINDERS", False)
WHITENOISE_USE_FINDERS = STATIC_FROM_FINDERS
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if STATIC_FROM_FINDERS
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CELERY_BROKER_URL={CELERY_BROKER_URL!r} must be a redis:// URL in production.")
# Graph's request limits and beat's heartbeat are kept in the cache: every process must share it.
CACHES = {"default": _cache_from_env(env_str("CACHE_URL", "redis://127.0.0.1:6379/1"))}
if not CACHES["default"]["BACKEND"].endswith("RedisCache"):
    raise ImproperlyConfigured("Set CACHE_URL to a redis:// URL in production: request limits are shared through it.")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}

OPS_LOG_FORMAT = env_str("OPS_LOG_FORMAT", "json")
if OPS_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"OPS_LOG_FORMAT={OPS_LOG_FORMAT!r} is neither json nor text.")
LOGGING = _logging(OPS_LOG_FORMAT)
# Celery's processes log through LOGGING above (JSON, redacted, with the task's id) instead of its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The sandbox gateway approves every test card and charges nothing: production refuses it unless a demonstration
# deployment says so explicitly (and `check --deploy` still reports it, core/checks.py).
ALLOW_SANDBOX_GATEWAY = env_bool("ALLOW_SANDBOX_GATEWAY", False)
if PAYMENT_GATEWAY.endswith(".sandbox.SandboxGateway") and not ALLOW_SANDBOX_GATEWAY:  # noqa: F405
    raise ImproperlyConfigured("PAYMENT_GATEWAY is the sandbox gateway, which charges no card: set PAYMENT_GATEWAY to "
                               "a real gateway, or ALLOW_SANDBOX_GATEWAY=true for a demonstration deployment.")
