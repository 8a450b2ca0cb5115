"""Reads of spend control shared with the reports: which users are at or near their monthly limit."""
import datetime

from django.utils import timezone

from billing.rating.models import CallRecord
from core.money import MoneySum

from .limits import effective_limit, month_start
from .models import CallingPolicy, UserCallingPolicy

NEAR_PERCENT = 80


def users_at_or_over(*, tenant, percent, at=None):
    """Ids of the users whose calls this month cost at least `percent`% of the limit that applies to them (two
    queries). Nobody while spend limits are off."""
    at = at or timezone.now()
    policy = CallingPolicy.objects.filter(tenant=tenant).first()
    if policy is None or not policy.enable_spend_limits:
        return []
    start = month_start(at)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    own = dict(UserCallingPolicy.objects.filter(tenant=tenant, spend_limit__isnull=False)
               .values_list("user_id", "spend_limit"))
    spent = (CallRecord.objects.filter(tenant=tenant, start_at__gte=start, start_at__lt=end, charge__gt=0,
                                       user__isnull=False)
             .values("user_id").annotate(spent=MoneySum("charge")).order_by())
    found = []
    for row in spent:
        limit = effective_limit(enabled=True, tenant_limit=policy.user_spend_limit, user_limit=own.get(row["user_id"]))
        if limit is not None and row["spent"] * 100 >= limit * percent:
            found.append(row["user_id"])
    return sorted(found, key=str)
