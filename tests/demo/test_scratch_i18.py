import datetime
from reporting.periods import preset_range
from reporting.selectors import credits as dashboard
from reporting.selectors.usage import pstn_usage_totals
from reporting.parameters import UsageParameters
from billing.credits.models import LedgerEntry
from billing.rating.models import CallRecord
from django.db.models import Sum

def test_print(contoso, clock):
    from django.utils import timezone
    now = timezone.now()
    period = preset_range(28, today=now.date())
    daily = dashboard.spend_by_day(tenant=contoso, period=period)
    print("NOW", now, "dashboard", sum(r.total for r in daily))
    print("usage", pstn_usage_totals(tenant=contoso, parameters=UsageParameters(period=period)))
    f = dashboard.credits_forecast(tenant=contoso, now=now)
    print("forecast spent", f.spent)
    ch = LedgerEntry.objects.filter(account__tenant=contoso, kind__in=LedgerEntry.CHARGE_KINDS, created_at__gte=period.start_at, created_at__lt=period.end_at)
    ids = set(ch.values_list("call_id", flat=True))
    recs = CallRecord.objects.filter(tenant=contoso, start_at__gte=period.start_at, start_at__lt=period.end_at, charge__gt=0)
    rids = set(recs.values_list("call_id", flat=True))
    print("ledger only", len(ids - rids), "records only", len(rids - ids))
    for e in ch.filter(call_id__in=list(ids - rids)[:5]):
        r = CallRecord.objects.filter(tenant=contoso, call_id=e.call_id).first()
        print("L", e.created_at, e.amount, r and (r.start_at, r.source, r.charge))
    for r in recs.filter(call_id__in=list(rids - ids)[:5]):
        e = LedgerEntry.objects.filter(account__tenant=contoso, call_id=r.call_id).first()
        print("R", r.start_at, r.source, r.charge, e and (e.created_at, e.amount))
    print(LedgerEntry.objects.filter(account__tenant=contoso).values("kind").annotate(n=Sum("amount")))
