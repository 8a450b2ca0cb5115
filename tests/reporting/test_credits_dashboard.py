"""The Communications Credits dashboard: every figure recomputed from the ledger on its own, the forecast's
arithmetic, roles and query counts."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.credits.models import LedgerEntry
from billing.credits.services import auto_recharge_update
from reporting.periods import preset_range
from reporting.selectors.credits import credits_forecast
from tests.factories import UserFactory

URL = reverse("reporting:credits_dashboard")


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def history(tenant, fund, charged_call, now):
    """Purchases and call charges over six weeks, several on some days, two users and a toll-free line."""
    day = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    ada = UserFactory(tenant=tenant, upn="ada@contoso.test", display_name="Ada Lovelace")
    bob = UserFactory(tenant=tenant, upn="bob@contoso.test", display_name="Bob Byte")
    fund(300, at=day - timedelta(days=50))
    charged_call("4.20", user=ada, start_at=day - timedelta(days=40, hours=-9), callee_country="GB")
    charged_call("1.10", user=ada, start_at=day - timedelta(days=20, hours=-9), callee_country="GB")
    charged_call("2.35", user=bob, start_at=day - timedelta(days=20, hours=-15), callee_country="FR")
    fund(100, at=day - timedelta(days=12, hours=-10))
    charged_call("7.00", start_at=day - timedelta(days=5, hours=-11), call_type="unassigned_in",
                 kind="toll_free_charge", callee_country="US", usage_country="")
    charged_call("0.45", user=bob, start_at=day - timedelta(days=1, hours=-8), callee_country="FR")
    return tenant


def _independent_balance_at(tenant, moment):
    """The ledger's running sum of every entry before `moment`, added up here."""
    return sum((e.amount for e in LedgerEntry.objects.filter(account__tenant=tenant) if e.created_at < moment),
               Decimal("0.00"))


def test_balance_over_time_is_the_running_sum_of_the_ledger_at_each_days_end(client_as, billing_admin, history):
    response = client_as(billing_admin).get(URL, {"range": "90"})
    assert response.status_code == 200
    series = response.context["balance_series"]
    assert len(series) == 90
    for day, balance in series:
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        assert balance == _independent_balance_at(history, end_of_day), day


def test_entries_written_out_of_time_order_land_on_their_own_day(client_as, billing_admin, fund, charged_call, now):
    fund(100, at=now - timedelta(days=1))
    fund(50, at=now - timedelta(days=10))  # back-dated: written after the later purchase
    charged_call("5.00", start_at=now - timedelta(days=5))  # charged at the call's end, between the two
    series = dict(client_as(billing_admin).get(URL, {"range": "28"}).context["balance_series"])
    day = now.date()
    assert series[day - timedelta(days=11)] == 0
    assert series[day - timedelta(days=10)] == Decimal("50.00")
    assert series[day - timedelta(days=5)] == Decimal("45.00")
    assert series[day] == Decimal("145.00")


def test_daily_spend_and_its_breakdowns_add_up_to_the_ledger_charges(client_as, billing_admin, history, now):
    response = client_as(billing_admin).get(URL, {"range": "28"})
    period = preset_range(28, today=now.date())
    charges = [e for e in LedgerEntry.objects.filter(account__tenant=history, kind__in=LedgerEntry.CHARGE_KINDS)
               if period.start_at <= e.created_at < period.end_at]
    spent = -sum((e.amount for e in charges), Decimal("0.00"))
    assert spent == Decimal("10.90")
    assert response.context["daily_total"] == spent
    by_day = {}
    for entry in charges:
        by_day[entry.created_at.date()] = by_day.get(entry.created_at.date(), Decimal("0")) - entry.amount
    assert {row.day: row.total for row in response.context["daily"] if row.total} == by_day
    toll_free = [row.toll_free for row in response.context["daily"] if row.toll_free]
    assert toll_free == [Decimal("7.00")]
    assert sum(row.amount for row in response.context["countries"]) == spent
    assert [(row.label, row.amount, row.calls) for row in response.context["countries"]] == [
        ("United States of America", Decimal("7.00"), 1), ("France", Decimal("2.80"), 2),
        ("United Kingdom", Decimal("1.10"), 1)]
    assert [(row.label, row.amount) for row in response.context["users"]] == [
        ("No user (service numbers)", Decimal("7.00")), ("Bob Byte", Decimal("2.80")), ("Ada Lovelace", Decimal("1.10"))]


def test_the_largest_ten_are_shown_and_the_rest_summed(client_as, billing_admin, tenant, fund, charged_call, now):
    fund(500, at=now - timedelta(days=3))
    for n in range(13):
        user = UserFactory(tenant=tenant, upn=f"u{n:02d}@contoso.test", display_name=f"User {n:02d}")
        charged_call(f"{n + 1}.00", user=user, start_at=now - timedelta(hours=n + 2))
    users = client_as(billing_admin).get(URL, {"range": "28"}).context["users"]
    assert [row.label for row in users[:3]] == ["User 12", "User 11", "User 10"]
    assert users[-1].label == "Other users" and users[-1].amount == Decimal("6.00") and users[-1].calls == 3
    assert len(users) == 11


def test_forecast_replays_the_lots_and_their_expiry_at_the_average_daily_spend(tenant, history, card, billing_admin,
                                                                                now):
    forecast = credits_forecast(tenant=tenant, now=now)
    # Charges of the last 28 days (today included): 7.00 + 0.45 + 1.10 + 2.35 = 10.90 -> 0.3892.../day; held 400 - 15.10.
    assert forecast.spent == Decimal("10.90") and forecast.burn_rate == Decimal("0.39")
    assert forecast.available == Decimal("384.90") and forecast.trigger is None
    # $384.90 / $0.39 a day would be 988 days, but both purchases expire within 12 months, long before that burn
    # spends them: the balance is zero when the last one, bought Jun 5 10:00, expires on Jun 5, 2027 10:00. Day k
    # starts at Jun 17 09:30 + k days: day 353 starts Jun 5 09:30, before it; day 354 starts with nothing.
    # (tests/billing/test_forecast.py works such days out by hand on a smaller ledger.)
    # Zero the day after the $100 purchase expires (12 months after it: 354 days from 2026-06-17, one more across
    # a 29 February); the $300 one expired before.
    last = max(forecast.lots, key=lambda lot: lot.expires_at)
    expected = (last.expires_at.date() - now.date()).days + 1
    assert forecast.days_until_zero == expected and forecast.zero_date == now.date() + timedelta(days=expected)
    assert forecast.unused > Decimal("200")
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    forecast = credits_forecast(tenant=tenant, now=now)
    assert forecast.trigger == Decimal("200")
    # The first purchase's expiry (Jun 17 - 50 days + 12 months) takes the balance under $200: the trigger comes then.
    first = min(lot.expires_at for lot in forecast.lots)
    assert forecast.trigger_date == (first.date() if first.time() <= now.time() else first.date())
    assert forecast.days_until_trigger is not None and forecast.days_until_trigger < 474


def test_no_spending_means_no_forecast(client_as, billing_admin, fund, now):
    fund(50, at=now - timedelta(days=2))
    response = client_as(billing_admin).get(URL)
    assert response.context["forecast"].days_until_zero is None
    assert "there is no burn rate to forecast from" in response.content.decode()


def test_charts_get_their_data_as_json_and_the_page_loads_chart_js(client_as, billing_admin, history):
    body = client_as(billing_admin).get(URL, {"range": "28"}).content.decode()
    assert 'id="credits-chart-data" type="application/json"' in body
    assert "/static/vendor/chartjs/chart.umd.js" in body
    assert '"tollFree": [' in body and '"7.00"' in body


@pytest.mark.parametrize("persona", ["billing_admin", "global_admin", "reports_reader"])
def test_billing_admins_and_report_readers_see_the_dashboard(client_as, request, persona):
    assert client_as(request.getfixturevalue(persona)).get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["license_admin", "user_admin", "no_role_user"])
def test_other_people_do_not_see_the_dashboard(client_as, request, persona):
    assert client_as(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_a_bad_range_shows_the_default_with_an_error(client_as, billing_admin):
    response = client_as(billing_admin).get(URL, {"range": "custom", "from": "2026-13-01", "to": "2026-01-01"})
    assert response.status_code == 400 and "from" in response.context["errors"]
    assert response.context["period"].days == 90


def test_another_tenants_money_is_not_counted(client_as, other_tenant_admin, history):
    response = client_as(other_tenant_admin).get(URL, {"range": "90"})
    assert response.context["daily_total"] == Decimal("0.00")
    assert all(balance == 0 for _, balance in response.context["balance_series"])


def _dashboard_queries(client, django_assert_num_queries):
    # session, user, tenant, roles; balance by day 2, spend by day 1, by country 1, by user 2, forecast 3 (lots, spend,
    # auto-recharge settings), by department 1
    with django_assert_num_queries(14):
        assert client.get(URL, {"range": "365"}).status_code == 200


def test_queries_do_not_grow_with_days_or_entries(client_as, billing_admin, tenant, fund, charged_call, now,
                                                  django_assert_num_queries):
    client = client_as(billing_admin)
    fund(1000, at=now - timedelta(days=300))
    charged_call("1.00", user=UserFactory(tenant=tenant), start_at=now - timedelta(days=2))
    _dashboard_queries(client, django_assert_num_queries)
    for n in range(40):
        user = UserFactory(tenant=tenant)
        charged_call("0.50", user=user, start_at=now - timedelta(days=n * 7 % 300, hours=3), callee_country="DE")
    _dashboard_queries(client, django_assert_num_queries)
