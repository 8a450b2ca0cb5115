"""Production: PostgreSQL, Redis broker, SMTP, HTTPS-only cookies. SECRET_KEY and hosts are required."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import _cache_from_env
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma separated) in production.")

MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
# Graph's request limits are counted in the cache: every process must count in the same one.
CACHES = {"default": _cache_from_env(env_str("CACHE_URL", "redis://127.0.0.1:6379/1"))}
if not CACHES["default"]["BACKEND"].endswith("RedisCache"):
    raise ImproperlyConfigured("Set CACHE_URL to a redis:// URL in production: request limits are shared through it.")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
# The sandbox gateway approves every test card and charges nothing: production refuses it unless a demonstration
# deployment says so explicitly (and `check --deploy` still reports it, core/checks.py).
ALLOW_SANDBOX_GATEWAY = env_bool("ALLOW_SANDBOX_GATEWAY", False)
if PAYMENT_GATEWAY.endswith(".sandbox.SandboxGateway") and not ALLOW_SANDBOX_GATEWAY:  # noqa: F405
    raise ImproperlyConfigured("PAYMENT_GATEWAY is the sandbox gateway, which charges no card: set PAYMENT_GATEWAY to "
                               "a real gateway, or ALLOW_SANDBOX_GATEWAY=true for a demonstration deployment.")
