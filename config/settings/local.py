"""Local development: SQLite file, filesystem Celery broker, emails written to var/mail."""
from .base import *  # noqa: F401,F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
# Local development may send webhooks to a receiver on this machine over plain http.
WEBHOOK_ALLOW_LOCAL = env_bool("WEBHOOK_ALLOW_LOCAL", True)
