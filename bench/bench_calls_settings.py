"""Settings of the server bench_calls.py starts: the test settings, plus its raw baseline view's urlconf."""
from config.settings.test import *  # noqa: F401,F403

ROOT_URLCONF = "bench.bench_calls_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
