"""Webhooks: endpoints (create, change, rotate the secret, delete), events raised, deliveries attempted and replayed.

Raising an event never waits on a receiver and never undoes the money beside it: the event and its deliveries are
written in a savepoint of the caller's transaction, and the requests go out from a Celery task after the commit.
A delivery is attempted until the endpoint answers 2xx, backing off exponentially, for WEBHOOK_RETRY_HOURS; an
endpoint that has failed without a success for as long is disabled and its admins are emailed.
"""
import datetime
import json
import logging
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import audit_record

from . import signing, transport
from .events import FROM_NOTIFICATION, EventType
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

MAX_ENDPOINTS = 10


# Endpoints -----------------------------------------------------------------------------------------------------------

def _clean_events(events):
    if not isinstance(events, (list, tuple)) or not events:
        raise ValidationError({"events": "Choose at least one event, e.g. balance.low."})
    unknown = [str(e) for e in events if e not in EventType.values]
    if unknown:
        raise ValidationError({"events": f"'{unknown[0]}' isn't a webhook event. Choose from: "
                                         f"{', '.join(EventType.values)}."})
    return [value for value in EventType.values if value in events]


def _clean_description(description):
    text = str(description or "").strip()
    if len(text) > 200:
        raise ValidationError({"description": "The description is longer than 200 characters."})
    return text


def webhook_endpoint_create(*, tenant, url, events, description="", actor, now=None):
    """Registers an endpoint; returns it (its `secret` is shown to the admin once, on the page or in the answer)."""
    now = now or timezone.now()
    url = transport.url_clean(url)
    events = _clean_events(events)
    description = _clean_description(description)
    with transaction.atomic():
        if WebhookEndpoint.objects.filter(tenant=tenant).count() >= MAX_ENDPOINTS:
            raise ValidationError({"url": f"An organization can register at most {MAX_ENDPOINTS} webhook endpoints."})
        if WebhookEndpoint.objects.filter(tenant=tenant, url=url).exists():
            raise ValidationError({"url": f"{url} is already registered."})
        endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=url, events=events, description=description,
                                                  secret=signing.secret_new(), created_at=now, updated_at=now)
        audit_record(tenant=tenant, actor=actor, action="webhooks.endpoint_create", target=endpoint,
                     after={"url": url, "events": events})
    return endpoint


def webhook_endpoint_update(*, tenant, endpoint, actor, url=None, events=None, description=None, enabled=None,
                            now=None):
    """Changes what is given (None leaves it); enabling a disabled endpoint starts its failure count afresh."""
    if endpoint.tenant_id != tenant.pk:
        raise ValueError("The endpoint belongs to another tenant.")
    now = now or timezone.now()
    changes = {}
    if url is not None:
        changes["url"] = transport.url_clean(url)
    if events is not None:
        changes["events"] = _clean_events(events)
    if description is not None:
        changes["description"] = _clean_description(description)
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise ValidationError({"enabled": "Send true or false."})
        changes["enabled"] = enabled
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if "url" in changes and changes["url"] != endpoint.url and WebhookEndpoint.objects.filter(
                tenant=tenant, url=changes["url"]).exists():
            raise ValidationError({"url": f"{changes['url']} is already registered."})
        before = {name: getattr(endpoint, name) for name in changes}
        changed = {name: value for name, value in changes.items() if before[name] != value}
        if not changed:
            return endpoint
        for name, value in changed.items():
            setattr(endpoint, name, value)
        if changed.get("enabled") is True:
            endpoint.failing_since = None
            endpoint.disabled_reason = ""
        endpoint.updated_at = now
        endpoint.save()
        audit_record(tenant=tenant, actor=actor, action="webhooks.endpoint_update", target=endpoint,
                     before={k: before[k] for k in changed}, after=changed)
    return endpoint


def webhook_secret_rotate(*, tenant, endpoint, actor, now=None):
    """A new secret signs from now on; the old one also signs for WEBHOOK_SECRET_OVERLAP_HOURS. Returns the endpoint."""
    if endpoint.tenant_id != tenant.pk:
        raise ValueError("The endpoint belongs to another tenant.")
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + datetime.timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
        endpoint.secret = signing.secret_new()
        endpoint.updated_at = now
        endpoint.save()
        audit_record(tenant=tenant, actor=actor, action="webhooks.secret_rotate", target=endpoint,
                     after={"previous_secret_expires_at": endpoint.previous_secret_expires_at.isoformat()})
    return endpoint


def webhook_endpoint_delete(*, tenant, endpoint, actor):
    if endpoint.tenant_id != tenant.pk:
        raise ValueError("The endpoint belongs to another tenant.")
    with transaction.atomic():
        audit_record(tenant=tenant, actor=actor, action="webhooks.endpoint_delete", target=endpoint,
                     before={"url": endpoint.url})
        endpoint.delete()


# Events --------------------------------------------------------------------------------------------------------------

def _json_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _camel(name):
    head, *rest = str(name).split("_")
    return head + "".join(part.title() for part in rest)


def webhook_emit(*, tenant: Any, type: str, data: dict[str, Any], source_key: str,
                 now: datetime.datetime | None = None) -> Any:
    """Raises event `type` for the tenant once per `source_key`; returns the WebhookEvent, or None when no enabled
    endpoint wants it or recording failed (logged: the caller's money never depends on a webhook)."""
    now = now or timezone.now()
    type = EventType(type)
    try:
        with transaction.atomic():
            endpoints = [e for e in WebhookEndpoint.objects.filter(tenant=tenant, enabled=True) if type in e.events]
            if not endpoints:
                return None
            earlier = WebhookEvent.objects.filter(tenant=tenant, type=type, source_key=source_key[:160]).first()
            if earlier is not None:
                return earlier
            event = WebhookEvent(tenant=tenant, type=type, source_key=source_key[:160], created_at=now)
            payload = {"type": type.value, "timestamp": _json_value(now),
                       "data": {"tenantId": str(tenant.pk), **{_camel(k): v for k, v in data.items()}}}
            event.body = json.dumps(payload, default=_json_value, separators=(",", ":"), sort_keys=True)
            event.save(force_insert=True)
            deliveries = WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(tenant=tenant, event=event, endpoint=e, next_attempt_at=now, created_at=now)
                 for e in endpoints])
            for delivery in deliveries:
                transaction.on_commit(partial(_enqueue, delivery.pk), robust=True)
    except IntegrityError:  # raised concurrently for the same source: the first one stands
        return WebhookEvent.objects.filter(tenant=tenant, type=type, source_key=source_key[:160]).first()
    except Exception:
        logger.exception("Recording the %s webhook of tenant %s (%s) failed", type, tenant.pk, source_key)
        return None
    return event


def webhook_emit_for_notification(*, tenant: Any, event: Any, context: dict[str, Any], period_key: str) -> Any:
    """The webhook beside billing notification `event` (billing/notifications/services.notification_send)."""
    type = FROM_NOTIFICATION.get(event)
    if type is None:
        return None
    data = {k: v for k, v in context.items() if k not in ("url_name", "url_kwargs")}
    if type == EventType.POOL_THRESHOLD:
        data["threshold"] = 100 if str(event).endswith("100") else 80
    return webhook_emit(tenant=tenant, type=type, data=data, source_key=f"{event}:{period_key}")


def _enqueue(delivery_id):
    from .tasks import deliver_webhook

    deliver_webhook.delay(delivery_id)


# Deliveries ----------------------------------------------------------------------------------------------------------

def retry_delay(attempts):
    """Seconds before the next try after `attempts` failures: doubling from the first delay, at most the cap."""
    first = settings.WEBHOOK_RETRY_FIRST_DELAY_SECONDS
    return min(first * 2 ** max(0, attempts - 1), settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS)


def _claim(delivery_id, now, *, replay):
    """Takes the delivery for one attempt (a lease: next_attempt_at moves past the request's time limit)."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update().select_related("event", "endpoint")
                    .filter(pk=delivery_id).first())
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return None
        if not replay and (not delivery.endpoint.enabled or (delivery.next_attempt_at and delivery.next_attempt_at > now)):
            return None
        delivery.next_attempt_at = now + datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3 + 60)
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = now
        delivery.save(update_fields=["next_attempt_at", "first_attempt_at"])
    return delivery


def webhook_delivery_attempt(*, delivery_id, now=None, replay=False):
    """Sends a pending delivery once, if it is due, and records the answer. Returns the WebhookAttempt or None.

    Safe to run twice at once: only the caller that claims the row sends. The request is made outside any transaction.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now, replay=replay)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    headers = signing.signed_headers(secrets_in_use=endpoint.secrets_at(now), message_id=event.id,
                                     timestamp=int(now.timestamp()), body=event.body)
    answer = transport.post(url=endpoint.url, body=event.body, headers=headers,
                            timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    return _record(delivery, answer, now, replay=replay)


def _record(delivery, answer, now, *, replay):
    retry_for = datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        attempt = WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=answer.status_code,
                                                error=answer.error, duration_ms=answer.duration_ms, replay=replay)
        delivery.attempts += 1
        delivery.last_status_code = answer.status_code
        delivery.last_error = answer.error
        if answer.succeeded:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
        else:
            if now - delivery.first_attempt_at >= retry_for:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = min(now + datetime.timedelta(seconds=retry_delay(delivery.attempts)),
                                               delivery.first_attempt_at + retry_for)
            if endpoint.failing_since is None:
                endpoint.failing_since = now
                endpoint.save(update_fields=["failing_since"])
            elif endpoint.enabled and now - endpoint.failing_since >= retry_for:
                _disable(endpoint, now)
        delivery.save()
    return attempt


def _disable(endpoint, now):
    """Stops sending to an endpoint that failed for WEBHOOK_RETRY_HOURS and tells the admins (once per failure run)."""
    from billing.credits.services.balance_events import notify_safely
    from billing.notifications.events import Event

    hours = settings.WEBHOOK_RETRY_HOURS
    endpoint.enabled = False
    endpoint.disabled_reason = f"Every delivery failed for {hours} hours."
    endpoint.updated_at = now
    endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    audit_record(tenant=endpoint.tenant, actor=None, action="webhooks.endpoint_disabled", target=endpoint,
                 after={"reason": endpoint.disabled_reason})
    notify_safely(tenant=endpoint.tenant, event=Event.WEBHOOK_DISABLED,
                  context={"url": endpoint.url, "hours": hours, "failing_since": endpoint.failing_since},
                  period_key=f"webhook:{endpoint.pk}:{endpoint.failing_since.isoformat()}")


def webhook_delivery_replay(*, tenant, delivery, actor, now=None):
    """Sends an event to the endpoint again, now, with the same event id; returns the WebhookAttempt."""
    if delivery.tenant_id != tenant.pk:
        raise ValueError("The delivery belongs to another tenant.")
    now = now or timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if not delivery.endpoint.enabled:
            raise ValidationError({"endpoint": "The endpoint is disabled. Enable it before replaying its events."})
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.first_attempt_at = None
        delivery.next_attempt_at = now
        delivery.save(update_fields=["status", "first_attempt_at", "next_attempt_at"])
        audit_record(tenant=tenant, actor=actor, action="webhooks.replay", target_type="webhooks.WebhookDelivery",
                     target_id=str(delivery.pk), target_label=f"{delivery.event_id} to {delivery.endpoint.url}")
    return webhook_delivery_attempt(delivery_id=delivery.pk, now=now, replay=True)


def webhook_deliveries_due(*, now=None, limit=500):
    """Ids of pending deliveries whose next attempt is due (the sweep sends them; lost task messages too)."""
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
                                               endpoint__enabled=True)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
