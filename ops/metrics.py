"""Prometheus metrics: django-prometheus's request metrics plus the product's own.

Counted where they happen (in every gunicorn and Celery process; bin/run-production gives them one
PROMETHEUS_MULTIPROC_DIR, whose files /metrics adds up): the authorize latency histogram and decisions by reason.
Read from the database and the broker when scraped (true whichever machine did the work): recharges by outcome,
emails by state, webhook deliveries by state, queue depth, lots expiring, the age of beat's last heartbeat.
"""
import hmac
import ipaddress
import json
import os
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

AUTHORIZE_SECONDS = Histogram(
    "commscredits_authorize_seconds", "Time to answer POST /api/v1/calls/authorize, by decision.", ["decision"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5))
DECISIONS = Counter("commscredits_authorize_decisions_total", "Authorize answers by decision and reason.",
                    ["decision", "reason"])
QUEUES = ("default", "payments", "emails")


def authorize_observed(elapsed, response):
    data = getattr(response, "data", None)
    if response.status_code == 200 and isinstance(data, dict):
        decision, reason = str(data.get("decision") or "unknown"), str(data.get("reason") or "")
    else:
        decision, reason = "error", str(response.status_code)
    AUTHORIZE_SECONDS.labels(decision).observe(elapsed)
    DECISIONS.labels(decision, reason).inc()


def _counts(model, field):
    return dict(model.objects.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def _webhook_delivery_model():
    """i.e. billing.webhooks' delivery log, where that app is installed: a model of label `webhooks` named
    ...Delivery with a status."""
    for model in apps.get_models():
        if model._meta.app_label == "webhooks" and model.__name__.endswith("Delivery"):
            if any(field.name == "status" for field in model._meta.fields):
                return model
    return None


def queue_depths():
    """Messages waiting in each Celery queue (Redis lists named after the queues); {} for another broker."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return {queue: client.llen(queue) for queue in QUEUES}
    finally:
        client.close()


class ProductCollector:
    """Figures read when Prometheus scrapes; each family is skipped (and counted as a scrape error) if its
    source can't be read, so one slow part never blanks the page."""

    def collect(self):
        errors = GaugeMetricFamily("commscredits_metrics_source_errors", "Sources /metrics could not read.", labels=["source"])
        for name, produce in (("recharges", self._recharges), ("emails", self._emails), ("webhooks", self._webhooks),
                              ("lots", self._lots), ("queues", self._queues), ("beat", self._beat),
                              ("replica", self._replica)):
            try:
                yield from produce()
            except Exception:
                errors.add_metric([name], 1)
        yield errors

    def _recharges(self):
        from billing.credits.models import RechargeAttempt

        family = CounterMetricFamily("commscredits_recharges", "Auto-recharge attempts by outcome.", labels=["outcome"])
        counts = _counts(RechargeAttempt, "status")
        for status in RechargeAttempt.Status.values:
            family.add_metric([status], counts.get(status, 0))
        yield family

    def _emails(self):
        from billing.notifications.models import EmailLog

        family = GaugeMetricFamily("commscredits_emails", "Emails by delivery state.", labels=["state"])
        counts = _counts(EmailLog, "status")
        for status in EmailLog.Status.values:
            family.add_metric([status], counts.get(status, 0))
        yield family

    def _webhooks(self):
        model = _webhook_delivery_model()
        family = GaugeMetricFamily("commscredits_webhook_deliveries", "Webhook deliveries by state.", labels=["state"])
        for status, count in (_counts(model, "status").items() if model else ()):
            family.add_metric([str(status)], count)
        yield family

    def _lots(self):
        from billing.credits.models import Lot

        now = timezone.now()
        days = settings.CREDITS_EXPIRY_NOTICE_DAYS
        expiring = Lot.objects.filter(funded=True, expires_at__gt=now, expires_at__lte=now + timedelta(days=days))
        figures = expiring.aggregate(lots=Count("pk"), amount=Sum("remaining"))
        lots = GaugeMetricFamily("commscredits_lots_expiring", f"Funded lots expiring within {days} days.")
        lots.add_metric([], figures["lots"] or 0)
        amount = GaugeMetricFamily("commscredits_lots_expiring_usd", f"Credits (USD) expiring within {days} days.")
        amount.add_metric([], float(figures["amount"] or 0))
        yield lots
        yield amount

    def _queues(self):
        family = GaugeMetricFamily("commscredits_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"])
        for queue, depth in queue_depths().items():
            family.add_metric([queue], depth)
        yield family

    def _beat(self):
        from .health import beat_last_seen

        seen = beat_last_seen()
        family = GaugeMetricFamily("commscredits_beat_heartbeat_age_seconds", "Seconds since beat's last heartbeat ran.")
        if seen is not None:
            family.add_metric([], max(0.0, time.time() - seen))
        yield family

    def _replica(self):
        from config.db_router import replica_state

        state = replica_state()
        if state is None:
            return
        usable = GaugeMetricFamily("commscredits_replica_usable",
                                   "1 when reports read from the replica, 0 when they were sent back to the primary.")
        usable.add_metric([], 1 if state["usable"] else 0)
        yield usable
        if state["lag_seconds"] is not None:
            lag = GaugeMetricFamily("commscredits_replica_lag_seconds", "How far the read replica's replay is behind.")
            lag.add_metric([], state["lag_seconds"])
            yield lag


def registry():
    """The registry to expose: every process's files in multiprocess mode, else this process's own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
    else:
        collected = CollectorRegistry()
        collected.register(_Forward(REGISTRY))
    collected.register(ProductCollector())
    return collected


class _Forward:
    def __init__(self, source):
        self.source = source

    def collect(self):
        return self.source.collect()


def _allowed(request):
    token = settings.OPS_METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    if request.META.get("HTTP_X_FORWARDED_FOR"):  # through a proxy: the peer address says nothing
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_view(request):
    """GET /metrics: Prometheus's text format, for the bearer OPS_METRICS_TOKEN or from loopback."""
    if not _allowed(request):
        body = {"error": "Metrics need the bearer token OPS_METRICS_TOKEN, or a request from this machine."}
        return HttpResponse(json.dumps(body), status=403, content_type="application/json")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
