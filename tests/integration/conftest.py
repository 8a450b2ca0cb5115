"""Real services for the integration suite: Redis as the broker (a dedicated database number), a `celery worker`
process on the PostgreSQL test database, and an SMTP server on loopback that keeps what it receives.

Set RECHARGE_INTEGRATION_REDIS_URL to use another Redis database (default redis://127.0.0.1:6379/9). The
database number is flushed before and after each test, while no worker of the suite is running.
"""
import email
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from email import policy
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from config.celery import app

BASE_DIR = Path(settings.BASE_DIR)
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
REDIS_URL = os.environ.get("RECHARGE_INTEGRATION_REDIS_URL", "redis://127.0.0.1:6379/9")
REFUSED = "payables@contoso.test"


def wait_for(predicate, *, timeout, what, worker=None):
    """Polls `predicate` until it returns something truthy; fails naming `what` (and showing the worker's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    log = f"\n--- worker log ---\n{worker.log_tail()}" if worker else ""
    pytest.fail(f"Timed out after {timeout}s waiting for {what}.{log}")


class Mailbox:
    """An aiosmtpd handler: refuses REFUSED with 550 at RCPT, keeps every message it accepts."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == REFUSED:
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def received(self, subject_contains=""):
        with self._lock:
            return [(to, m) for to, m in self.messages if subject_contains in str(m["Subject"])]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"The integration suite needs Redis at {REDIS_URL} ({exc}). Start redis-server or set "
                    "RECHARGE_INTEGRATION_REDIS_URL.")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _use_broker(url):
    """Points this process's Celery app at `url`, dropping the connections it pooled for the previous one."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(redis_db):
    """The test process publishes to the suite's Redis for real (not eagerly); broker.point_at(url) moves it."""
    saved = {name: app.conf[name] for name in ("broker_url", "broker_transport_options", "task_always_eager")}
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    _use_broker(REDIS_URL)

    class Broker:
        url = REDIS_URL

        @staticmethod
        def point_at(url):
            _use_broker(url)

    yield Broker
    app.conf.task_always_eager = saved["task_always_eager"]
    app.conf.broker_transport_options = saved["broker_transport_options"]
    _use_broker(saved["broker_url"])


def database_url():
    """The PostgreSQL test database pytest-django created, for the worker to share."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """One `celery worker` process group (the main process and its pool), logging to a file."""

    def __init__(self, env, log_path):
        self.env, self.log_path, self.process = env, log_path, None

    def start(self, timeout=60):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "config", "worker", "-Q", "default,payments,emails", "--concurrency=2",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"recharge-it-{uuid.uuid4().hex[:8]}@%h"],
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self.process.poll() is not None or " ready." in self.log_tail(), timeout=timeout,
                 what="the celery worker to be ready", worker=self)
        if self.process.poll() is not None:
            pytest.fail(f"The celery worker exited with {self.process.returncode}:\n{self.log_tail()}")
        return self

    def log_tail(self, chars=6000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def kill(self):
        """kill -9 of the whole process group: the task in the pool dies mid-way, nothing is acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout=20):
        """A warm shutdown (SIGTERM to the main process: running tasks finish); kill -9 if it doesn't end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def start_worker(transactional_db, broker, smtp_server, tmp_path):
    """start_worker(**env) starts a worker on the suite's broker, test database and SMTP server; every worker is
    stopped at teardown (before the test database is flushed), whatever the test did."""
    workers = []

    def start(**extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BROKER_URL": REDIS_URL,
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            "VAR_DIR": str(tmp_path / "var"),
            "LOG_LEVEL": "INFO",
            **{key: str(value) for key, value in extra_env.items()},
        }
        worker = Worker(env, tmp_path / f"worker-{len(workers) + 1}.log")
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
