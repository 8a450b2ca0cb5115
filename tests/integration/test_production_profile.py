"""The production profile as one whole: `bin/run-production` (gunicorn, a Celery worker per queue group, beat) with
config.settings.production, on loopback, against the test's PostgreSQL, the suite's Redis and an SMTP server.

A customer signs in, adds a card, buys credits (the purchase invoice's PDF is rendered by a worker), turns on
auto-recharge; the telephony platform authorizes and completes a call with the API token, which crosses the
trigger. While the gateway is charging the recharge the profile gets SIGTERM: the payments worker finishes the
charge (warm shutdown), the email it enqueued waits in Redis, and the next start delivers it over SMTP. Nothing is
lost or done twice: one recharge charge, every email sent, empty queues, a ledger that checks.
"""
import json
import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from decimal import Decimal

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.services import api_token_create
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import CreditAccount, GatewayCharge, RechargeAttempt
from billing.invoices.models import Invoice
from billing.notifications.models import EmailLog
from billing.rating.selectors import today_utc
from billing.rating.services import rate_deck_import
from tests.rating.conftest import deck_csv
from tests.rating.factories import CALLING_DECK, UK_MOBILE, make_caller

from .conftest import BASE_DIR, REDIS_URL, database_url, free_port, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.real_clock]

CARD = "4242 4242 4242 4242"
SUBJECT = "Auto-recharge added $50.00"


class Profile:
    """bin/run-production in its own process group, its output in a file."""

    def __init__(self, env, log_path):
        self.env, self.log_path, self.process = env, log_path, None
        self.url = f"http://{env['GUNICORN_BIND']}"

    def start(self, timeout=60):
        began = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(["bash", str(BASE_DIR / "bin" / "run-production")], cwd=BASE_DIR,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self.process.poll() is not None or self.ready(), timeout=timeout,
                 what="/readyz to answer ready", worker=self)
        if self.process.poll() is not None:
            pytest.fail(f"bin/run-production exited with {self.process.returncode}:\n{self.log_tail()}")
        print(f"bin/run-production ready in {time.monotonic() - began:.1f} s")

    def ready(self):
        try:
            return requests.get(f"{self.url}/readyz", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or busy starting
            return False

    def log_tail(self, chars=8000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def log_lines(self):
        """The JSON lines of the log (Celery's banner and gunicorn's master lines are not JSON)."""
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pass
        return lines

    def stop(self, timeout=45):
        """SIGTERM to the script, which passes it on and waits for every process; the exit code it ended with."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            pytest.fail(f"bin/run-production did not stop within {timeout}s of SIGTERM:\n{self.log_tail()}")


@pytest.fixture
def production(transactional_db, redis_db, smtp_server, tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "VAR_DIR": str(tmp_path / "var"),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_FROM_FINDERS": "true",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "OPS_BEAT_HEARTBEAT_SECONDS": "5",
        "OPS_METRICS_TOKEN": "metrics-" + secrets.token_hex(16),
        # the charge of the recharge takes 4 s after the processor took the money: SIGTERM lands in that window
        "PAYMENT_GATEWAY": "tests.integration.slow_gateway.SlowSandboxGateway",
        "RECHARGE_TEST_GATEWAY_DELAY": "4",
    }
    profile = Profile(env, tmp_path / "run-production.log")
    yield profile
    profile.stop()


@pytest.fixture
def customer(tenant, billing_admin, password):
    """Contoso with its own calling deck (in force from today), a caller with Teams Phone, a Calling Plan and
    Communications Credits, the platform's API token, and a billing admin who will buy the credits."""
    rate_deck_import(content=deck_csv(*CALLING_DECK), effective_from=today_utc(), tenant=tenant, name="Smoke deck",
                     actor=None, source_file_name="smoke.csv")
    # The suite hashes passwords with MD5 for speed; production checks with Django's default hasher (PBKDF2).
    billing_admin.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    billing_admin.save(update_fields=["password"])
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn=f"ada@{tenant.initial_domain}", number="+14255550111")
    token = api_token_create(tenant=tenant, name="platform", actor=None)[1]
    return {"tenant": tenant, "admin": billing_admin, "password": password, "token": token,
            "caller": f"ada@{tenant.initial_domain}"}


def sign_in(base, upn, password):
    session = requests.Session()
    page = session.get(f"{base}/signin/", timeout=10)
    assert page.status_code == 200, page.text[:500]
    csrf = session.cookies["csrftoken"]
    answer = session.post(f"{base}/signin/", data={"username": upn, "password": password, "csrfmiddlewaretoken": csrf,
                                                   "next": "/"}, timeout=10, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def test_the_production_profile_serves_a_customer_and_stops_without_losing_work(production, customer, smtp_server):
    tenant, admin = customer["tenant"], customer["admin"]
    started = time.monotonic()
    production.start()
    base = production.url
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{base}/readyz", timeout=5).json()["checks"] == {
        "database": "ok", "migrations": "ok", "broker": "ok", "beat": "ok"}

    # The customer signs in, adds a card and buys $60 of credits.
    web = sign_in(base, admin.upn, customer["password"])
    assert web.get(f"{base}/", timeout=10).status_code == 200
    card = web.post(f"{base}/api/v1/payment-methods", json={"type": "card", "number": CARD, "expMonth": 12,
                                                            "expYear": 2031, "cvc": "123", "holderName": "Bill Billing"},
                    timeout=10)
    assert card.status_code == 201, card.text
    card_id = card.json()["id"]
    bought = web.post(f"{base}/api/v1/credits/funds", json={"amount": 60, "paymentMethodId": card_id},
                      headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=20)
    assert bought.status_code == 201, bought.text
    assert bought.json()["balanceAfter"] == "60.00"

    # The worker renders the purchase invoice's PDF; the customer downloads it.
    invoice = wait_for(lambda: Invoice.objects.filter(tenant=tenant, kind="purchase").exclude(pdf="").first(),
                       timeout=30, what="the worker to render the purchase invoice's PDF", worker=production)
    pdf = web.get(f"{base}/api/v1/invoices/{invoice.pk}/pdf", timeout=20)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.content[:200]

    recharge = web.put(f"{base}/api/v1/credits/auto-recharge", json={
        "enabled": True, "triggerAmount": 55, "rechargeAmount": 50, "paymentMethodId": card_id}, timeout=10)
    assert recharge.status_code == 200, recharge.text

    # The telephony platform: a 25-minute call to a UK mobile ($0.20 a minute + $0.05) takes $5.05: 60 -> 54.95.
    platform = requests.Session()
    platform.headers["Authorization"] = f"Bearer {customer['token']}"
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1600))
    authorized = platform.post(f"{base}/api/v1/calls/authorize", json={
        "callId": "smoke-1", "callType": "user_out", "userPrincipalName": customer["caller"],
        "calleeNumber": UK_MOBILE, "startDateTime": start}, timeout=10)
    assert authorized.status_code == 200 and authorized.json()["decision"] == "allowed", authorized.text
    assert authorized.headers["X-Request-ID"]
    completed = platform.post(f"{base}/api/v1/calls/smoke-1/complete", json={"durationSeconds": 1500}, timeout=10)
    assert completed.status_code == 200, completed.text
    assert completed.json()["charge"] == "5.05"

    metrics = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {production.env['OPS_METRICS_TOKEN']}"},
                           timeout=10).text
    assert re.search(r'commscredits_authorize_decisions_total\{decision="allowed",reason="[^"]*"\} 1\.0', metrics)
    assert re.search(r'commscredits_authorize_seconds_count\{decision="allowed"\} 1\.0', metrics)
    assert "django_http_requests_total_by_method_total" in metrics

    # SIGTERM while the gateway is charging the recharge (the slow gateway sleeps after taking the money).
    wait_for(lambda: GatewayCharge.objects.filter(idempotency_key__startswith=f"credits:{tenant.pk}:auto-recharge-")
             .exists(), timeout=30, what="the recharge's charge to start", worker=production)
    assert production.stop() == 0, production.log_tail()
    attempt = RechargeAttempt.objects.get(tenant=tenant)
    assert attempt.status == RechargeAttempt.Status.SUCCEEDED, "the payments worker finished the charge as it stopped"
    assert "Warm shutdown" in production.log_tail(100_000)

    # Started again (migrations already applied), the profile delivers what the stop left queued.
    production.env["RUN_MIGRATIONS"] = "false"
    production.start()
    wait_for(lambda: smtp_server.received(SUBJECT), timeout=30, what="the recharge email over SMTP", worker=production)
    wait_for(lambda: EmailLog.objects.exists() and not EmailLog.objects.exclude(status="sent").exists(), timeout=30,
             what="every email to be sent", worker=production)
    assert production.stop() == 0

    (recipients, message), = smtp_server.received(SUBJECT)
    assert admin.email in recipients and attempt.invoice.display_number in message.get_body(("plain",)).get_content()
    assert GatewayCharge.objects.filter(idempotency_key__startswith=f"credits:{tenant.pk}:auto-recharge-").count() == 1
    assert Invoice.objects.filter(tenant=tenant, kind="purchase").count() == 2
    assert CreditAccount.objects.get(tenant=tenant).balance == Decimal("104.95")
    assert ledger_problems() == []
    assert {queue: redis_llen(queue) for queue in ("default", "payments", "emails")} == {
        "default": 0, "payments": 0, "emails": 0}

    # JSON log lines carry the request id, tenant and call id, and never the card number or the tokens.
    lines = production.log_lines()
    completes = [line for line in lines if line.get("path") == "/api/v1/calls/smoke-1/complete"]
    assert completes and completes[0]["tenant_id"] == str(tenant.pk) and completes[0]["call_id"] == "smoke-1"
    assert completes[0]["request_id"]
    text = production.log_path.read_text(errors="replace")
    for secret in (CARD, CARD.replace(" ", ""), customer["token"], production.env["SECRET_KEY"], customer["password"]):
        assert secret not in text
    print(f"production smoke test: {time.monotonic() - started:.1f} s")


def redis_llen(queue):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return client.llen(queue)
    finally:
        client.close()
