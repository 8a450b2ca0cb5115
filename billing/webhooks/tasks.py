"""Celery doors of webhooks (the default queue): one delivery attempt; the sweep that sends retries when due."""
from celery import shared_task

from .services import webhook_deliveries_due, webhook_delivery_attempt


@shared_task
def deliver_webhook(delivery_id):
    """Attempts WebhookDelivery `delivery_id` if it is due; running it twice sends it once (the claim in the service).
    A failed attempt is not retried here: its row says when, and the sweep sends it then, for up to 24 hours."""
    attempt = webhook_delivery_attempt(delivery_id=delivery_id)
    return None if attempt is None else attempt.status_code


@shared_task
def sweep_webhook_deliveries():
    """Enqueues every delivery whose next attempt is due (retries, and first attempts whose message was lost)."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
