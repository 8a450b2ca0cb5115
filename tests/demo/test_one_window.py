"""The seeded demo tells one story in its windows: "Last 28 days" on the Communications Credits dashboard, in its
forecast and on PSTN usage count the same calls and the same dollars, on the day of seeding and days later, when the
window reaches back into the imported history (charged the night after each day)."""
from datetime import timedelta

import pytest
from django.db.models import Q

from billing.credits.models import LedgerEntry
from billing.rating.models import CallRecord
from billing.rating.usage_days import usage_days_mismatches
from core.money import money_sum
from reporting.parameters import UsageParameters
from reporting.periods import preset_range
from reporting.selectors import credits as dashboard
from reporting.selectors.usage import pstn_usage_totals

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("days_later", [0, 12])
def test_last_28_days_is_one_amount_on_the_dashboard_its_forecast_and_pstn_usage(contoso, clock, days_later):
    now = clock.move_to(clock.now() + timedelta(days=days_later))
    period = preset_range(28, today=now.date())

    usage = pstn_usage_totals(tenant=contoso, parameters=UsageParameters(period=period))
    spent = sum((row.total for row in dashboard.spend_by_day(tenant=contoso, period=period)), dashboard.ZERO)
    forecast = dashboard.credits_forecast(tenant=contoso, now=now)

    records = CallRecord.objects.filter(tenant=contoso, start_at__gte=period.start_at, start_at__lt=period.end_at)
    assert usage.calls == records.count() > 0
    assert usage.charge == money_sum(records, "charge") > 0
    assert spent == forecast.spent == usage.charge
    # Every charge of those calls is in the ledger, and only theirs.
    charged = LedgerEntry.objects.filter(account__tenant=contoso, kind__in=LedgerEntry.CHARGE_KINDS,
                                         call_id__in=records.filter(~Q(charge=0)).values("call_id"))
    assert -money_sum(charged, "amount") == usage.charge


def test_the_demos_daily_totals_are_its_call_records_sums(contoso):
    assert usage_days_mismatches(tenant_id=contoso.pk) == []
