"""Background work of Rating and charging: ending the holds of calls that were never completed, folding the call
records' changes into their daily totals."""
from celery import shared_task

from .services import call_authorizations_expire
from .usage_days import usage_days_fold


@shared_task(name="billing.rating.tasks.expire_call_authorizations", autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def expire_call_authorizations():
    """Safe to run twice: only holds still held and past their expiry are ended."""
    return {"expired": call_authorizations_expire()}


@shared_task(name="billing.rating.tasks.fold_usage_days", autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def fold_usage_days():
    """Safe to run twice or at once: each run folds the changes it deleted, no other."""
    return {"folded": usage_days_fold()}
