"""Settings shared by every environment; values come from the environment (see README)."""
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_int_list, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "djmoney",
    "django_htmx",
    "axes",
    "core",
    "accounts",
    "licensing",
    "billing.credits",
    "billing.rating",
    "billing.invoices",
    "billing.notifications",
    "billing.webhooks",
    "billing.spend",
    "reporting",
    "ops",
    "django_prometheus",
]

MIDDLEWARE = [
    "ops.middleware.RequestContextMiddleware",  # request id and log context first, so every line carries them
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.TenantMiddleware",
    "core.middleware.RejectNulMiddleware",
    "axes.middleware.AxesMiddleware",
    "ops.middleware.ReplicaReadsMiddleware",  # reports' reads of call records from DATABASE_REPLICA_URL, if set
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# Content-Security-Policy of every page: scripts and styles from our own files only (no inline script); the API
# docs page (Swagger UI starts itself with an inline script) also allows inline script.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")
CSP_RELAXED_PATHS = ("/api/docs/",)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.shell",
            ],
            # One date and one currency format in every page, PDF and email (core/dates.py, core/money.py).
            "builtins": ["core.templatetags.formats"],
        },
    },
]


# psycopg prepares a statement of core/sql.py from its second run on a connection: once is not worth a round
# trip of its own (a connection opened per request, DB_CONN_MAX_AGE=0, runs most statements once).
PREPARE_FROM_RUN = 1


def _database_from_env():
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    except Exception as exc:  # dj_database_url raises several kinds; all mean the URL is wrong
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} is not a database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and IMMEDIATE transactions let the web process and the embedded worker share the file.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME", "test_commscredits")
        # The call path's plain statements (core/sql.py) are prepared once per connection; nothing else is (the
        # ORM's cursors bind client-side and never prepare). Off behind a pooler that cannot keep prepared
        # statements (PgBouncer before 1.21, or without max_prepared_statements).
        if env_bool("DB_PREPARED_STATEMENTS", True):
            config.setdefault("OPTIONS", {})["prepare_threshold"] = PREPARE_FROM_RUN
        # psycopg's connection pool in each process (Django 5.2), instead of one connection kept per process
        # (DB_CONN_MAX_AGE); bench/bench_load.py measures both, docs/SCALING.md says which to use where.
        if env_bool("DB_POOL", False):
            if config.get("CONN_MAX_AGE"):
                raise ImproperlyConfigured("DB_POOL=true keeps connections in the pool: leave DB_CONN_MAX_AGE at 0.")
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": env_int("DB_POOL_MIN_SIZE", 1, minimum=0), "max_size": env_int("DB_POOL_MAX_SIZE", 4, minimum=1),
                "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1)}
    return config


DATABASES = {"default": _database_from_env()}
# A streaming replica for reports' reads of call records (config/db_router.py); never for money.
if env_str("DATABASE_REPLICA_URL", ""):
    try:
        DATABASES["replica"] = {**dj_database_url.parse(env_str("DATABASE_REPLICA_URL")), "TEST": {"MIRROR": "default"}}
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL: {exc}") from None
    if {DATABASES["replica"]["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, like DATABASE_URL.")
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 3, "options": "-c statement_timeout=30000"}
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
OPS_REPLICA_MAX_LAG_SECONDS = env_int("OPS_REPLICA_MAX_LAG_SECONDS", 30, minimum=0)
OPS_REPLICA_CHECK_SECONDS = env_int("OPS_REPLICA_CHECK_SECONDS", 5, minimum=0)


def _cache_from_env(url):
    """Redis for CACHE_URL=redis://host:port/db (shared by every process), otherwise this process's memory."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "commscredits"}
    if url in ("", "locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "commscredits"}
    raise ImproperlyConfigured(f"CACHE_URL={url!r} is neither a redis:// URL nor empty (memory of the process).")


# The cache counts Graph's per-tenant requests (core/throttling.py); in production every process must share it.
CACHES = {"default": _cache_from_env(env_str("CACHE_URL", ""))}

# Graph's throttling: '<requests>/<seconds>' per tenant. Call records: 1,000 requests a minute (PRODUCT.md).
# Directory (users, subscribedSkus, licenses): Graph's resource units for a small tenant, 3,500 per 10 s, each
# request costing what Graph's table says; writes also count against 3,000 per 150 s.
GRAPH_THROTTLE_LIMITS = {
    "callRecords": env_rate("GRAPH_THROTTLE_CALL_RECORDS", "1000/60"),
    "directory": env_rate("GRAPH_THROTTLE_DIRECTORY", "3500/10"),
    "directoryWrites": env_rate("GRAPH_THROTTLE_DIRECTORY_WRITES", "3000/150"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Failed sign-ins are counted in the database (atomic F() updates) per client address and, separately, per account:
# one address cannot try every account, and one account cannot be guessed from many addresses without limit.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the address the outermost of them
# saw, read from the right of X-Forwarded-For, so a client cannot choose it (core/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "core.client_ip.sign_in_username"  # the form's username, as the account is found
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from npm at install time (`npm ci`), never from a CDN.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Payments: the built-in gateway is a card processor's test mode (billing/credits/gateway/sandbox.py).
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "billing.credits.gateway.sandbox.SandboxGateway")

# Product tunables (PRODUCT.md facts kept as settings): each from the environment, with the product's default.
CREDITS_MINIMUM_PURCHASE = env_int("CREDITS_MINIMUM_PURCHASE", 1, minimum=1)
# The portal refuses a trigger (and a recharge) under 50: "Please enter a whole number greater than or equal to 50".
CREDITS_MINIMUM_AUTO_RECHARGE = env_int("CREDITS_MINIMUM_AUTO_RECHARGE", 50, minimum=1)
CREDITS_MAXIMUM_AMOUNT = env_int("CREDITS_MAXIMUM_AMOUNT", 100_000, minimum=1)
CREDITS_MAXIMUM_CHARGE = env_int("CREDITS_MAXIMUM_CHARGE", 10_000, minimum=1)
CREDITS_LOT_LIFETIME_MONTHS = env_int("CREDITS_LOT_LIFETIME_MONTHS", 12, minimum=1)
CREDITS_RESERVATION_MINUTES = env_int("CREDITS_RESERVATION_MINUTES", 240, minimum=1)
CREDITS_RECHARGE_FAILURES_BEFORE_PAUSE = env_int("CREDITS_RECHARGE_FAILURES_BEFORE_PAUSE", 3, minimum=1)
CREDITS_RECHARGE_RETRY_DELAYS = env_int_list("CREDITS_RECHARGE_RETRY_DELAYS", [3600, 21600, 86400], minimum=1)
CREDITS_RECHARGE_UNCLAIMED_SECONDS = env_int("CREDITS_RECHARGE_UNCLAIMED_SECONDS", 120, minimum=1)
CREDITS_EXPIRY_NOTICE_DAYS = env_int("CREDITS_EXPIRY_NOTICE_DAYS", 30, minimum=1)
# The recharge advisor replays the whole days of the last CREDITS_ADVICE_HISTORY_DAYS, and needs at least the minimum.
CREDITS_ADVICE_HISTORY_DAYS = env_int("CREDITS_ADVICE_HISTORY_DAYS", 90, minimum=7)
CREDITS_ADVICE_MINIMUM_HISTORY_DAYS = env_int("CREDITS_ADVICE_MINIMUM_HISTORY_DAYS", 14, minimum=1)
RATING_MAX_CALL_MINUTES = env_int("RATING_MAX_CALL_MINUTES", 240, minimum=1)
RATING_AUTHORIZATION_GRACE_MINUTES = env_int("RATING_AUTHORIZATION_GRACE_MINUTES", 30, minimum=0)
RATING_MAX_RECORD_HOURS = env_int("RATING_MAX_RECORD_HOURS", 24, minimum=1)
RATING_START_SKEW_SECONDS = env_int("RATING_START_SKEW_SECONDS", 300, minimum=0)
RATING_IMPORT_BATCH_ROWS = env_int("RATING_IMPORT_BATCH_ROWS", 10_000, minimum=1)
# Call records by month on PostgreSQL (billing/rating/partitions.py): partitions made this many months ahead; months
# older than RATING_RETENTION_MONTHS (0: keep every month) exported to RATING_ARCHIVE_DIR as gzip CSV and dropped.
RATING_PARTITIONS_AHEAD_MONTHS = env_int("RATING_PARTITIONS_AHEAD_MONTHS", 3, minimum=1)
RATING_RETENTION_MONTHS = env_int("RATING_RETENTION_MONTHS", 0, minimum=0)
RATING_ARCHIVE_DIR = Path(env_str("RATING_ARCHIVE_DIR", str(VAR_DIR / "archive" / "call-records")))
# Webhooks (billing/webhooks): a request's time limit, retries doubling from the first delay up to the cap for
# WEBHOOK_RETRY_HOURS (then the delivery fails; an endpoint failing that long is disabled), the old secret's overlap
# after a rotation, and whether plain http and private addresses are allowed (local development only).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_RETRY_HOURS = env_int("WEBHOOK_RETRY_HOURS", 24, minimum=1)
WEBHOOK_RETRY_FIRST_DELAY_SECONDS = env_int("WEBHOOK_RETRY_FIRST_DELAY_SECONDS", 30, minimum=1)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env_int("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 4 * 3600, minimum=1)
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24, minimum=0)
WEBHOOK_ALLOW_LOCAL = env_bool("WEBHOOK_ALLOW_LOCAL", False)
# Spend control (billing/spend): the minutes of credit a call holds at a time unless the tenant's calling policy says
# otherwise, and the highest monthly spend limit per user an admin may set (US dollars).
SPEND_SLICE_MINUTES = env_int("SPEND_SLICE_MINUTES", 10, minimum=1)
SPEND_MAX_USER_LIMIT = env_int("SPEND_MAX_USER_LIMIT", 100_000, minimum=1)
RATING_CONFERENCING_ZONE_A = None  # None: the 44 Zone A countries of billing/rating/data; or a list of ISO codes
RATING_POOL_COUNTRY_GROUPS = {"PR": "US"}  # users located in PR share the US pool
LICENSING_PLAN_USAGE_LOCATIONS = None  # None: where licensing/data says plans are sold; or {plan: [ISO codes]}
INVOICE_SELLER: dict = {}  # the operator's seller details over billing/invoices/services.DEFAULT_SELLER

CURRENCIES = ("USD",)
DEFAULT_CURRENCY = "USD"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.graph_errors.graph_exception_handler",
    # JSON bodies with a NUL byte anywhere are refused naming the field (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.CleanJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Communications Credits admin centre API",
    "DESCRIPTION": "Graph-compatible /v1.0/ endpoints and the /api/v1/ billing API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the Graph-style errors it can answer (core/openapi.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.document_errors"],
}

# Celery. The embedded default keeps messages in a folder (kombu's filesystem transport), so a
# worker and beat run with no external service; production points this at Redis or RabbitMQ.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")  # the host only quiets a warning
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # kombu otherwise writes its broadcast exchanges to ./control in whatever folder the process starts in.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # A broker that can't be reached fails the after-commit enqueue in seconds; the sweeps pick the work up.
    else {"visibility_timeout": 3600, "socket_connect_timeout": 5}
)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A worker owns a recharge attempt this long; longer than the task's hard limit, so a live task never loses it.
CREDITS_RECHARGE_LEASE_SECONDS = env_int("CREDITS_RECHARGE_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT * 2, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}  # filled from each app's schedule.py (config/celery.py)
# Payments and emails get queues of their own so a slow mail server never delays a recharge.
CELERY_TASK_ROUTES = {
    "billing.credits.tasks.*": {"queue": "payments"},
    "billing.notifications.tasks.*": {"queue": "emails"},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Microsoft 365 admin center <no-reply@admin.example>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Logs: one line per record, JSON in production (OPS_LOG_FORMAT=json) or text, with the request id, tenant and call
# id, secrets and card data redacted (ops/logs.py).
OPS_LOG_FORMAT = env_str("OPS_LOG_FORMAT", "text")
if OPS_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"OPS_LOG_FORMAT={OPS_LOG_FORMAT!r} is neither json nor text.")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
OPS_ACCESS_LOG = env_bool("OPS_ACCESS_LOG", True)  # one line per request (method, path, status, duration)


def _logging(fmt):
    from ops.logs import logging_config

    return logging_config(fmt=fmt, level=LOG_LEVEL, access=OPS_ACCESS_LOG)


LOGGING = _logging(OPS_LOG_FORMAT)

# Operations (ops/): /metrics answers the bearer OPS_METRICS_TOKEN (or loopback without a proxy); beat sends a
# heartbeat every OPS_BEAT_HEARTBEAT_SECONDS and /readyz fails when none ran for two periods.
OPS_METRICS_TOKEN = env_str("OPS_METRICS_TOKEN", "")
OPS_BEAT_HEARTBEAT_SECONDS = env_int("OPS_BEAT_HEARTBEAT_SECONDS", 60, minimum=1)
PROMETHEUS_EXPORT_MIGRATIONS = False

# Users > Deleted users: a deleted user can be restored for this many days, then is deleted for good (Microsoft 365: 30).
DELETED_USER_RETENTION_DAYS = env_int("DELETED_USER_RETENTION_DAYS", 30, minimum=1)
