"""/healthz, /readyz and /metrics: what each says, who may read the metrics, and the product's figures."""
import re
import uuid

import pytest
from django.core.cache import cache

from billing.notifications.models import EmailLog
from billing.notifications.services import notification_send_test_email
from ops import health
from ops.health import beat_heard
from tests.rating.factories import UK_MOBILE, add_credits, make_caller

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeat():
    cache.delete(health.BEAT_KEY)
    yield
    cache.delete(health.BEAT_KEY)


def test_healthz_answers_without_a_session(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer["X-Request-ID"]


def test_readyz_waits_for_beat_then_is_ready_until_beat_falls_silent(client, clock, settings):
    settings.OPS_BEAT_HEARTBEAT_SECONDS = 60
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "not ready", "checks": {
        "database": "ok", "migrations": "ok", "broker": "ok", "beat": "beat's heartbeat never seen"}}

    beat_heard()
    assert client.get("/readyz").json() == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "broker": "ok", "beat": "ok"}}

    clock.advance(seconds=126)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["beat"] == "beat last seen 126 s ago (expected every 60 s)"


def test_readyz_names_a_broker_it_cannot_reach(client, monkeypatch):
    beat_heard()

    def unreachable():
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(health, "CHECKS", (("database", health.check_database), ("broker", unreachable)))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {
        "database": "ok", "broker": "ConnectionRefusedError: Error 111 connecting to 127.0.0.1:1. Connection refused."}


def test_metrics_answer_loopback_and_the_token_only(client, settings):
    settings.OPS_METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 200  # the test client's REMOTE_ADDR is 127.0.0.1
    through_proxy = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert through_proxy.status_code == 403 and "OPS_METRICS_TOKEN" in through_proxy.json()["error"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token").status_code == 200


def test_metrics_without_a_token_setting_refuse_other_machines(client, settings):
    settings.OPS_METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def _value(text, name, **labels):
    label_text = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(f"{name}{{{label_text}}}" if labels else name) + r" ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_authorize_latency_and_decisions_by_reason_are_counted(client, api_client_for, tenant, now, calling_deck):
    add_credits(tenant, "10.00")
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")
    make_caller(tenant, "MCOEV", upn="bob@contoso.test", number="+14255550112")  # no plan, no credits license
    api = api_client_for(tenant)
    before = client.get("/metrics").content.decode()
    start = now.isoformat().replace("+00:00", "Z")
    for call_id, upn in (("m-1", "ada@contoso.test"), ("m-2", "bob@contoso.test")):
        answer = api.post("/api/v1/calls/authorize", {"callId": call_id, "callType": "user_out", "userPrincipalName": upn,
                                                      "calleeNumber": UK_MOBILE, "startDateTime": start}, format="json")
        assert answer.status_code == 200
    blocked_reason = api.post("/api/v1/calls/authorize", {"callId": "m-2", "callType": "user_out",
                                                          "userPrincipalName": "bob@contoso.test", "calleeNumber": UK_MOBILE,
                                                          "startDateTime": start}, format="json").json()["reason"]
    after = client.get("/metrics").content.decode()

    def delta(name, **labels):
        return (_value(after, name, **labels) or 0) - (_value(before, name, **labels) or 0)

    assert delta("commscredits_authorize_decisions_total", decision="allowed", reason="") == 1
    assert delta("commscredits_authorize_decisions_total", decision="blocked", reason=blocked_reason) == 2
    assert delta("commscredits_authorize_seconds_count", decision="allowed") == 1
    assert delta("commscredits_authorize_seconds_count", decision="blocked") == 2


def test_emails_recharges_queues_and_lots_are_read_when_scraped(client, tenant, global_admin):
    # The test's transaction never commits, so the email waits for delivery: queued.
    emails = notification_send_test_email(tenant=tenant, actor=global_admin, request_id=uuid.uuid4())
    assert emails and {email.status for email in emails} == {"queued"}
    EmailLog.objects.filter(pk=emails[0].pk).update(status="failed")
    add_credits(tenant, "25.00")
    text = client.get("/metrics").content.decode()
    assert _value(text, "commscredits_emails", state="queued") == len(emails) - 1
    assert _value(text, "commscredits_emails", state="failed") == 1
    assert _value(text, "commscredits_emails", state="sent") == 0
    assert _value(text, "commscredits_recharges_total", outcome="succeeded") == 0
    assert _value(text, "commscredits_lots_expiring") == 0  # credits bought today last twelve months
    assert "commscredits_metrics_source_errors" in text and "commscredits_metrics_source_errors{" not in text
