"""Reads shared by the webhook pages and API: a tenant's endpoints and its delivery log."""
import uuid

from .models import WebhookDelivery, WebhookEndpoint


def endpoints_for(*, tenant):
    return WebhookEndpoint.objects.filter(tenant=tenant).order_by("created_at", "id")


def endpoint_for(*, tenant, endpoint_id):
    """The tenant's endpoint, or None (another tenant's id, or not an id at all)."""
    try:
        endpoint_id = uuid.UUID(str(endpoint_id))
    except ValueError:
        return None
    return WebhookEndpoint.objects.filter(tenant=tenant, pk=endpoint_id).first()


def deliveries_for(*, tenant, endpoint=None, status=""):
    """The delivery log, newest first, with its event and endpoint in the same query."""
    rows = WebhookDelivery.objects.filter(tenant=tenant).select_related("event", "endpoint")
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def delivery_for(*, tenant, delivery_id):
    try:
        return (WebhookDelivery.objects.select_related("event", "endpoint")
                .filter(tenant=tenant, pk=int(delivery_id)).first())
    except (TypeError, ValueError):
        return None
