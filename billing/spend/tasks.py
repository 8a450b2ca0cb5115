"""Celery doors of spend control."""
from celery import shared_task

from .anomalies import spend_anomalies_check


@shared_task
def check_spend_anomalies():
    """Raises `spend.anomaly` for countries whose spend today is past their tenant's multiple (once a day each)."""
    return spend_anomalies_check()
