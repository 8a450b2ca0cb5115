"""The recharge advisor read from the ledger (20 days of real charges), at GET /api/v1/credits/recharge-advice and
beside the auto-recharge form with Apply."""
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.credits.models import AutoRechargeSettings
from billing.credits.recharge.selectors import recharge_advice_for
from billing.credits.services import credits_debit

D = Decimal

pytestmark = pytest.mark.dates


@pytest.fixture
def history(tenant, fund, clock):
    """$1,000 bought 20 days ago, then ten days at $10 and ten at $30 ($400): $20.00 a day, the busiest 14 days $340."""
    today = clock.today()
    first = datetime.combine(today - timedelta(days=20), time(8), tzinfo=UTC)
    fund(1000, at=first)
    for day in range(20):
        credits_debit(tenant=tenant, amount=D(10) if day < 10 else D(30), call_id=f"day-{day}",
                      at=first + timedelta(days=day, hours=4))
    return first


def test_the_advice_is_read_from_the_whole_days_of_the_ledger(tenant, history, clock):
    advice = recharge_advice_for(tenant=tenant, now=clock.now(), cover_days=14)
    assert (advice.history_days, advice.history_total, advice.average_daily_burn) == (20, D("400.00"), D("20.00"))
    # $600 is held, above the $340 trigger: nothing to add now; a month of use is $600.
    assert (advice.trigger, advice.recharge_amount, advice.one_time) == (D("340.00"), D("600.00"), D("0.00"))


def test_the_api_gives_the_recommendation_and_the_comparison(tenant, history, billing_admin, api_client_for):
    body = api_client_for(tenant, billing_admin).get("/api/v1/credits/recharge-advice?daysOfCover=7").json()
    # The busiest 7 days are seven at $30: $210.
    assert body["status"] == "ok" and body["daysOfCover"] == 7 and body["coverAmount"] == "210.00"
    assert body["recommendation"] == {"mode": "fixedAmount", "triggerAmount": "210.00", "rechargeAmount": "600.00",
                                      "oneTimeAmount": "0.00"}
    plans = {row["plan"]: row for row in body["comparison"]}
    assert set(plans) == {"current", "recommended", "fundingTable"}
    assert plans["current"]["autoRecharge"] is None and plans["current"]["recharges"] == 0
    assert plans["recommended"]["autoRecharge"]["triggerAmount"] == "210.00"
    assert plans["recommended"]["forfeited"] == "0.00" and plans["recommended"]["unpaidCalls"] == "0.00"
    assert plans["fundingTable"]["autoRecharge"] == {"mode": "fixedAmount", "triggerAmount": "200.00",
                                                     "rechargeAmount": "500.00", "targetBalance": None,
                                                     "monthlyCap": None}


def test_a_tenant_without_usage_is_told_there_is_not_enough_history(tenant, billing_admin, api_client_for):
    response = api_client_for(tenant, billing_admin).get("/api/v1/credits/recharge-advice")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "notEnoughHistory"
    assert body["recommendation"] is None and body["comparison"] == [] and body["historyDays"] == 0
    assert body["message"].startswith("Not enough history to recommend from your usage")


@pytest.mark.parametrize("value", ["0", "91", "abc", "14.5", "-3"])
def test_bad_days_of_cover_are_a_400_naming_the_parameter(tenant, billing_admin, api_client_for, value):
    response = api_client_for(tenant, billing_admin).get(f"/api/v1/credits/recharge-advice?daysOfCover={value}")
    assert response.status_code == 400
    assert "daysOfCover" in response.json()["error"]["message"]
    assert "whole number from 1 to 90" in response.json()["error"]["message"]


def test_the_advice_needs_a_billing_role(client_as, reports_reader, user_admin):
    for admin in (reports_reader, user_admin):
        assert client_as(admin).get("/api/v1/credits/recharge-advice").status_code == 403
        assert client_as(admin).get(reverse("billing:credits_auto_recharge")).status_code == 403


def test_the_panel_shows_the_advice_and_apply_fills_the_form(client_as, billing_admin, history, card):
    client = client_as(billing_admin)
    page = client.get(reverse("billing:credits_auto_recharge")).content.decode()
    assert 'data-testid="advice-trigger">$340<' in page and 'data-testid="advice-recharge">$600<' in page
    assert "The next 12 months at your usage" in page and "Money forfeited" in page
    applied = client.get(reverse("billing:credits_auto_recharge") + "?apply=1&cover=14").content.decode()
    assert 'data-testid="advice-applied"' in applied
    assert 'name="trigger_amount" id="id_trigger_amount" value="340"' in applied
    assert 'name="recharge_amount" id="id_recharge_amount" value="600"' in applied
    saved = client.post(reverse("billing:credits_auto_recharge"), {
        "enabled": "on", "mode": "fixed", "trigger_amount": "340", "recharge_amount": "600", "payment_method": str(card.pk)})
    assert saved.status_code == 302
    settings = AutoRechargeSettings.objects.get()
    assert (settings.trigger_amount, settings.recharge_amount) == (D("340.00"), D("600.00"))


def test_a_bad_days_of_cover_on_the_panel_is_named_and_the_default_is_used(client_as, billing_admin, history):
    page = client_as(billing_admin).get(reverse("billing:credits_auto_recharge") + "?cover=400").content.decode()
    assert "Give the days of cover as a whole number from 1 to 90." in page
    assert 'data-testid="advice-trigger">$340<' in page


def test_the_panel_says_when_there_is_not_enough_history(client_as, billing_admin):
    page = client_as(billing_admin).get(reverse("billing:credits_auto_recharge")).content.decode()
    assert 'data-testid="advice-not-enough"' in page and "Not enough history" in page
    assert 'data-testid="advice-apply"' not in page
