"""One window, one number: "Last 28 days" is the same UTC days, the same calls and the same amount on the Communications
Credits dashboard (the ledger), in its forecast's burn, and on PSTN usage (the call records), worked out by hand."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.credits.forecast import burn_window
from billing.credits.services import credits_adjust, credits_debit
from reporting.periods import preset_range
from tests.reporting.factories import CallRecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
DASHBOARD = reverse("reporting:credits_dashboard")
USAGE = reverse("reporting:pstn_usage")


def midnight(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


@pytest.fixture
def window_ledger(tenant, fund):
    """A month of calls around the 28-day window's first midnight, charged the ways the product charges them."""
    today = timezone.now().date()
    first = midnight(today - timedelta(days=27))  # the window's first instant
    fund(100, at=first - timedelta(days=40))

    def call(call_id, start, seconds, charge, *, charged_at=None, kind="call_charge", **fields):
        record = CallRecordFactory(tenant=tenant, call_id=call_id, start_at=start, duration_seconds=seconds,
                                   charge=Decimal(charge), capability="MCOPSTNPP" if Decimal(charge) else "MCOPSTN1",
                                   **fields)
        if Decimal(charge):
            credits_debit(tenant=tenant, amount=Decimal(charge), call_id=call_id, kind=kind,
                          at=charged_at or record.end_at)
        return record

    # Imported the next night at 02:00: started the evening before the window, charged inside it.
    call("imported-before", first - timedelta(minutes=10), 300, "0.80", charged_at=first + timedelta(hours=2))
    # Started inside the window at 23:50 the day before today, imported (charged) today at 02:00.
    # (From a clock at 00:30 UTC, 02:00 is still to come: then it was charged now.)
    call("imported-inside", midnight(today) - timedelta(minutes=10), 240, "2.50",
         charged_at=min(midnight(today) + timedelta(hours=2), timezone.now()))
    # Live: started 3 minutes before the window, ended inside it, charged at its end.
    call("live-across-midnight", first - timedelta(minutes=3), 360, "0.60")
    # Live, well inside.
    call("live-inside", first + timedelta(days=10, hours=9), 125, "1.20")
    # A toll-free call to the tenant's service number, charged to credits.
    call("toll-free", first + timedelta(days=11, hours=14), 61, "0.30", kind="toll_free_charge",
         call_type="unassigned_in", usage_country="")
    # Paid by the Calling Plan pool: a call on both pages, $0 to credits.
    call("pool", first + timedelta(days=12, hours=10), 600, "0.00")
    # Not spending: an operator's adjustment in the window moves the balance only.
    credits_adjust(tenant=tenant, amount=Decimal("5.00"), reason="Goodwill", idempotency_key="goodwill",
                   actor=None)
    return tenant


def test_last_28_days_is_one_range_of_utc_days_everywhere():
    today = timezone.now().date()
    period = preset_range(28, today=today)
    assert (period.first_day, period.last_day) == (today - timedelta(days=27), today)
    assert burn_window(today) == (period.start_at, period.end_at)
    assert period.start_at.tzinfo is UTC and period.end_at - period.start_at == timedelta(days=28)


def test_the_dashboard_the_forecast_and_pstn_usage_show_the_same_amount_for_the_last_28_days(
        client_as, global_admin, window_ledger):
    client = client_as(global_admin)
    dashboard = client.get(DASHBOARD, {"range": "28"})
    usage = client.get(USAGE, {"range": "28"})
    assert dashboard.status_code == usage.status_code == 200

    # By hand: the calls that started in the window are imported-inside ($2.50), live-inside ($1.20), toll-free
    # ($0.30) and pool ($0); imported-before and live-across-midnight started the day before it, however late they
    # were charged. The adjustment is not spending.
    assert usage.context["totals"].charge == Decimal("4.00")
    assert usage.context["totals"].calls == 4
    assert dashboard.context["daily_total"] == Decimal("4.00")
    assert dashboard.context["forecast"].spent == Decimal("4.00")
    # The ledger's own dates would have said $0.80 + $0.60 + $1.20 + $0.30 + $2.50 = $5.40 (the two calls of the
    # day before charged inside the window).
    assert "Calls charged to credits" in dashboard.content.decode()
    assert "Charged to credits (USD)" in usage.content.decode()


def test_each_days_spend_is_on_the_day_its_call_started(client_as, global_admin, window_ledger):
    dashboard = client_as(global_admin).get(DASHBOARD, {"range": "28"})
    today = timezone.now().date()
    spent = {row.day: row.total for row in dashboard.context["daily"] if row.total}
    first = today - timedelta(days=27)
    assert spent == {today - timedelta(days=1): Decimal("2.50"), first + timedelta(days=10): Decimal("1.20"),
                     first + timedelta(days=11): Decimal("0.30")}
    # The balance still moves when the money moved: the window's first day paid for the two calls before it.
    balance = dict(dashboard.context["balance_series"])
    assert balance[first] == Decimal("100.00") - Decimal("0.80") - Decimal("0.60")
