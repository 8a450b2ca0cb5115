"""Webhooks delivered to a real HTTP receiver on loopback: signatures checked independently, retries after 500s and
timeouts, replay, secret rotation, and an endpoint disabled after 24 hours of failures."""
import datetime
from decimal import Decimal

import pytest
from django.core import mail

from billing.notifications.events import Event
from billing.notifications.services import notification_send
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from billing.webhooks.services import (
    webhook_delivery_replay,
    webhook_emit,
    webhook_endpoint_create,
    webhook_secret_rotate,
)
from billing.webhooks.tasks import sweep_webhook_deliveries

from .conftest import verify_standard_webhook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_webhooks")]


@pytest.fixture
def endpoint(tenant, global_admin, receiver):
    return webhook_endpoint_create(tenant=tenant, url=receiver.url, events=["balance.low", "invoice.issued"],
                                   actor=global_admin)


def _low_balance(tenant, django_capture_on_commit_callbacks, key="1"):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(tenant=tenant, event=Event.LOW_BALANCE, context={"balance": Decimal("4.25"), "level": 5},
                          period_key=f"low:5:{key}")
    return WebhookEvent.objects.get(tenant=tenant, type="balance.low", source_key=f"low_balance:low:5:{key}")


def test_a_low_balance_reaches_the_receiver_signed_as_standard_webhooks_defines(
        tenant, endpoint, receiver, clock, django_capture_on_commit_callbacks):
    event = _low_balance(tenant, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["webhook-id"] == event.id and event.id.startswith("msg_")
    assert headers["content-type"] == "application/json"
    assert verify_standard_webhook(secret=endpoint.secret, headers=headers, body=body, now=int(clock.now().timestamp()))
    assert not verify_standard_webhook(secret="whsec_" + "A" * 32, headers=headers, body=body,
                                       now=int(clock.now().timestamp()))
    payload = receiver.bodies()[0]
    assert payload["type"] == "balance.low"
    assert payload["data"] == {"tenantId": str(tenant.pk), "balance": "4.25", "level": 5}
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)


def test_the_signing_matches_the_specifications_published_example():
    from billing.webhooks.signing import signature

    assert signature(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
                     timestamp=1614265330, body='{"test": 2432232314}') == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_one_event_id_however_often_the_same_thing_is_raised(tenant, endpoint, receiver,
                                                             django_capture_on_commit_callbacks):
    first = _low_balance(tenant, django_capture_on_commit_callbacks)
    again = webhook_emit(tenant=tenant, type="balance.low", data={"balance": Decimal("4.25")},
                         source_key="low_balance:low:5:1")
    assert again.pk == first.pk
    assert WebhookEvent.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_an_event_nobody_subscribed_to_is_not_recorded(tenant, endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="zero:1")
    assert WebhookEvent.objects.count() == 0 and receiver.requests == []


def test_a_500_is_retried_when_due_with_the_same_event_id(tenant, endpoint, receiver, clock,
                                                          django_capture_on_commit_callbacks):
    receiver.answers = [500]
    event = _low_balance(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "The endpoint answered HTTP 500."
    assert delivery.next_attempt_at - delivery.first_attempt_at == datetime.timedelta(seconds=30)

    assert sweep_webhook_deliveries() == 0  # not due yet
    assert len(receiver.requests) == 1
    clock.move_to(delivery.next_attempt_at)
    assert sweep_webhook_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 200)
    assert [h["webhook-id"] for h, _ in receiver.requests] == [event.id, event.id]
    assert receiver.requests[0][1] == receiver.requests[1][1]  # the same bytes each time
    headers, body = receiver.requests[1]
    assert verify_standard_webhook(secret=endpoint.secret, headers=headers, body=body, now=int(clock.now().timestamp()))
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_receiver_that_does_not_answer_in_time_is_retried(tenant, endpoint, receiver, clock,
                                                            django_capture_on_commit_callbacks):
    receiver.answers = ["sleep"]
    event = _low_balance(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == "No answer within 1 seconds."
    clock.move_to(delivery.next_attempt_at)
    sweep_webhook_deliveries()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_replay_sends_the_same_event_again_and_logs_it(tenant, endpoint, receiver, global_admin, clock,
                                                       django_capture_on_commit_callbacks):
    event = _low_balance(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    clock.advance(hours=3)

    attempt = webhook_delivery_replay(tenant=tenant, delivery=delivery, actor=global_admin)

    assert attempt.replay and attempt.status_code == 200
    assert [h["webhook-id"] for h, _ in receiver.requests] == [event.id, event.id]
    headers, body = receiver.requests[1]
    assert int(headers["webhook-timestamp"]) == int(clock.now().timestamp()) or \
        abs(int(headers["webhook-timestamp"]) - int(clock.now().timestamp())) <= 1  # signed when sent
    assert verify_standard_webhook(secret=endpoint.secret, headers=headers, body=body, now=int(clock.now().timestamp()))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(tenant, endpoint, receiver, global_admin, clock):
    old_secret = endpoint.secret
    rotated = webhook_secret_rotate(tenant=tenant, endpoint=endpoint, actor=global_admin)
    assert rotated.secret != old_secret and rotated.secret.startswith("whsec_")
    assert rotated.previous_secret_expires_at - clock.now() <= datetime.timedelta(hours=24)

    from django.db import transaction

    def deliver(key):
        with transaction.atomic():
            event = webhook_emit(tenant=tenant, type="invoice.issued", data={"number": key}, source_key=key)
        from billing.webhooks.services import webhook_delivery_attempt
        webhook_delivery_attempt(delivery_id=event.deliveries.get().pk)
        return receiver.requests[-1]

    headers, body = deliver("during")
    now = int(clock.now().timestamp())
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify_standard_webhook(secret=old_secret, headers=headers, body=body, now=now)
    assert verify_standard_webhook(secret=rotated.secret, headers=headers, body=body, now=now)

    clock.advance(hours=24, seconds=1)
    headers, body = deliver("after")
    now = int(clock.now().timestamp())
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert not verify_standard_webhook(secret=old_secret, headers=headers, body=body, now=now)
    assert verify_standard_webhook(secret=rotated.secret, headers=headers, body=body, now=now)


def test_an_endpoint_failing_for_24_hours_is_disabled_and_the_admins_are_emailed(
        tenant, endpoint, receiver, global_admin, clock, django_capture_on_commit_callbacks):
    clock.at(2026, 6, 17, 9, 30)
    receiver.answers = [500] * 100
    event = _low_balance(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    started = delivery.first_attempt_at
    offsets = [0]
    while delivery.status == "pending":
        clock.move_to(delivery.next_attempt_at)
        with django_capture_on_commit_callbacks(execute=True):
            sweep_webhook_deliveries()
        delivery.refresh_from_db()
        offsets.append(int((clock.now() - started).total_seconds()))

    # 30 s doubling to the 4-hour cap, the last try at exactly 24 hours.
    assert offsets == [0, 30, 90, 210, 450, 930, 1890, 3810, 7650, 15330, 29730, 44130, 58530, 72930, 86400]
    assert (delivery.status, delivery.attempts) == ("failed", 15)
    assert len(receiver.requests) == 15
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "Every delivery failed for 24 hours."
    disabled_mail = [m for m in mail.outbox if "was disabled" in m.subject]
    assert [m.to for m in disabled_mail] == [[global_admin.email]]
    assert endpoint.url in disabled_mail[0].body

    # A disabled endpoint gets nothing more: the next low balance records no event for it.
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(tenant=tenant, event=Event.LOW_BALANCE, context={"balance": Decimal("3.00"), "level": 5},
                          period_key="low:5:2")
    assert WebhookEvent.objects.count() == 1 and len(receiver.requests) == 15


def test_a_receiver_that_is_down_never_blocks_the_event(tenant, global_admin, clock,
                                                        django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    webhook_endpoint_create(tenant=tenant, url=f"http://127.0.0.1:{port}/gone", events=["balance.low"],
                            actor=global_admin)
    event = _low_balance(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "pending" and "ConnectionRefusedError" in delivery.last_error
    assert WebhookEndpoint.objects.get().failing_since is not None


def test_a_name_that_now_resolves_to_a_private_address_is_not_contacted(tenant, global_admin, settings, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    from billing.webhooks import transport

    settings.WEBHOOK_ALLOW_LOCAL = False
    monkeypatch.setattr(transport, "_resolve", lambda host, port: ["93.184.216.34"])
    webhook_endpoint_create(tenant=tenant, url="https://hooks.contoso.example/billing", events=["balance.low"],
                            actor=global_admin)
    monkeypatch.setattr(transport, "_resolve", lambda host, port: ["10.1.2.3"])
    event = _low_balance(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "private or reserved address (10.1.2.3)" in delivery.last_error
