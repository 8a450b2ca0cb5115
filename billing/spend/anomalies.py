"""Spend anomalies: a day's spend to one country above a multiple (default 5x) of that country's daily average over
the 28 days before raises `spend.anomaly` (a webhook) and emails the tenant's billing admins, once per tenant, country
and day. Run by a beat task from the call records, so the call path pays nothing for it."""
import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from billing.credits.services.balance_events import notify_safely
from billing.notifications.events import Event
from billing.rating.models import CallRecord
from billing.webhooks.events import EventType
from billing.webhooks.services import webhook_emit
from core.money import CENT, MoneySum
from core.validation import country_name

from .models import CallingPolicy

HISTORY_DAYS = 28


def day_start(at):
    return at.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def is_anomalous(*, today, history_total, multiple, days=HISTORY_DAYS):
    """Today's spend exceeds `multiple` times the daily average of the days before (a country with no history has no
    average to exceed)."""
    average = history_total / days
    return average > 0 and today > average * multiple


def spend_anomalies_for(*, tenant, at=None, multiple=5):
    """[(country, today's spend, 28-day daily average)] of the countries above the multiple, in one query."""
    at = at or timezone.now()
    today = day_start(at)
    since = today - datetime.timedelta(days=HISTORY_DAYS)
    rows = (CallRecord.objects.filter(tenant=tenant, start_at__gte=since, start_at__lt=today + datetime.timedelta(days=1),
                                      charge__gt=0)
            .values("callee_country")
            .annotate(today=MoneySum("charge", filter=Q(start_at__gte=today)),
                      history=MoneySum("charge", filter=Q(start_at__lt=today))))
    found = []
    for row in rows:
        spent, history = row["today"] or Decimal("0.00"), row["history"] or Decimal("0.00")
        if row["callee_country"] and is_anomalous(today=spent, history_total=history, multiple=multiple):
            found.append((row["callee_country"], spent, (history / HISTORY_DAYS).quantize(CENT)))
    return found


def spend_anomalies_check(*, at=None):
    """Raises `spend.anomaly` and emails the admins for every tenant and country above its multiple today (each once
    per country and day: the webhook's source key and the email's period key name both). Returns how many were found."""
    at = at or timezone.now()
    today = day_start(at)
    tenant_ids = (CallRecord.objects.filter(start_at__gte=today, charge__gt=0).values_list("tenant_id", flat=True)
                  .distinct())
    multiples = dict(CallingPolicy.objects.filter(tenant_id__in=tenant_ids).values_list("tenant_id", "anomaly_multiple"))
    from accounts.models import Tenant

    count = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        multiple = multiples.get(tenant.pk, 5)
        for country, spent, average in spend_anomalies_for(tenant=tenant, at=at, multiple=multiple):
            webhook_emit(tenant=tenant, type=EventType.SPEND_ANOMALY, source_key=f"{country}:{today:%Y-%m-%d}",
                         data={"country": country, "date": f"{today:%Y-%m-%d}", "spent_today": spent,
                               "daily_average": average, "multiple": multiple})
            notify_safely(tenant=tenant, event=Event.SPEND_ANOMALY, period_key=f"anomaly:{country}:{today:%Y-%m-%d}",
                          context={"country": country, "country_name": country_name(country) or country,
                                   "date": today.date(), "spent_today": spent, "daily_average": average,
                                   "multiple": multiple})
            count += 1
    return count
