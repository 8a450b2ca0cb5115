"""Background work of Rating and charging: ending the holds of calls that were never completed."""
from celery import shared_task

from .services import call_authorizations_expire


@shared_task(name="billing.rating.tasks.expire_call_authorizations", autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def expire_call_authorizations():
    """Safe to run twice: only holds still held and past their expiry are ended."""
    return {"expired": call_authorizations_expire()}
