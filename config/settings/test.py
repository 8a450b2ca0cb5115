"""Test settings: tasks run eagerly unless a test starts a real worker; fast password hashing."""
from .base import *  # noqa: F401,F403
from .env import env_bool, env_str

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run on a clock of their own (tests/conftest.py) while Chromium keeps the machine's: cookies that end with the
# browser session never look expired to it, whatever day the suite starts at.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_AGE = None
