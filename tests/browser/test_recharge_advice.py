"""A Billing admin reads the recharge advice beside the auto-recharge form, applies it, saves, and sees the new
settings; the panel at phone width; a monthly limit with top-up mode from the keyboard."""
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.credits.models import AutoRechargeSettings
from billing.credits.services import auto_recharge_update, credits_add_funds, credits_debit, payment_method_add_card
from tests.billing.factories import ensure_recommended_funding
from tests.licensing.factories import ensure_catalogue


@pytest.fixture(autouse=True)
def _migrated_data(transactional_db):
    ensure_catalogue()
    ensure_recommended_funding()


@pytest.fixture
def visa(tenant, billing_admin):
    return payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12,
                                   exp_year=timezone.localdate().year + 3, cvc="123", holder_name="Bill Billing",
                                   actor=billing_admin)


@pytest.fixture
def history(tenant, visa, billing_admin, clock):
    """$1,000 bought 20 days ago; ten days at $10 and ten at $30. Auto-recharge on at the table's $200 / $500."""
    first = datetime.combine(clock.today() - timedelta(days=20), time(8), tzinfo=UTC)
    credits_add_funds(tenant=tenant, amount=1000, payment_method=visa, idempotency_key="initial", actor=billing_admin,
                      at=first)
    for day in range(20):
        credits_debit(tenant=tenant, amount=Decimal(10 if day < 10 else 30), call_id=f"day-{day}",
                      at=first + timedelta(days=day, hours=4))
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=visa,
                         actor=billing_admin)


def test_billing_admin_applies_the_recharge_advice_and_saves_it(page, sign_in, billing_admin, history, screenshot):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(billing_admin)
    page.goto("/billing/credits/")
    page.get_by_role("link", name="Edit auto recharge settings").click()
    panel = page.get_by_role("dialog", name="Auto-recharge settings")
    advice = panel.get_by_test_id("recharge-advice")
    expect(advice.get_by_test_id("advice-trigger")).to_have_text("$340")
    expect(advice.get_by_test_id("advice-recharge")).to_have_text("$600")
    expect(advice.get_by_test_id("advice-one-time")).to_have_text("None needed")
    table = advice.get_by_test_id("advice-comparison")
    expect(table.get_by_role("columnheader")).to_have_text(["Current settings", "Recommended",
                                                            "Recommended for fewer than 250 users"])
    settings_row = table.locator("tbody tr").first
    expect(settings_row).to_contain_text("Below $200, add $500")
    expect(settings_row).to_contain_text("Below $340, add $600")
    expect(panel.get_by_label("When balance is below")).to_have_value("200")
    screenshot("recharge-advice-1440")

    advice.get_by_role("link", name="Apply").click()
    panel = page.get_by_role("dialog", name="Auto-recharge settings")
    expect(panel.get_by_test_id("advice-applied")).to_be_visible()
    expect(panel.get_by_label("When balance is below")).to_have_value("340")
    expect(panel.get_by_label("Add this amount")).to_have_value("600")
    screenshot("recharge-advice-applied")
    panel.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "when your balance is below $340, $600 is added")
    summary = page.get_by_test_id("auto-recharge-summary")
    expect(summary).to_contain_text("$340")
    expect(summary).to_contain_text("$600")
    settings = AutoRechargeSettings.objects.get()
    assert (settings.trigger_amount, settings.recharge_amount) == (Decimal("340.00"), Decimal("600.00"))


def test_the_days_of_cover_change_the_advice_at_phone_width(page, sign_in, billing_admin, history, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(billing_admin)
    page.goto("/billing/credits/auto-recharge/")
    panel = page.get_by_role("dialog", name="Auto-recharge settings")
    panel.get_by_label("Days of cover").fill("7")
    panel.get_by_role("button", name="Recalculate").click()
    panel = page.get_by_role("dialog", name="Auto-recharge settings")
    expect(panel.get_by_test_id("advice-trigger")).to_have_text("$210")
    screenshot("recharge-advice-390")
    # The panel fills the phone's width; its comparison table scrolls inside its own frame, the panel does not.
    body = panel.locator(".panel-body")
    assert body.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), body.evaluate("e => [e.scrollWidth, e.clientWidth]")


def test_top_up_mode_and_a_monthly_limit_are_set_from_the_keyboard(page, sign_in, billing_admin, history):
    sign_in(billing_admin)
    page.goto("/billing/credits/auto-recharge/")
    panel = page.get_by_role("dialog", name="Auto-recharge settings")
    expect(panel.get_by_label("Top up to", exact=True)).to_be_hidden()
    panel.get_by_role("radio", name="Top up to a target balance").focus()
    page.keyboard.press("Space")
    expect(panel.get_by_label("Top up to", exact=True)).to_be_visible()
    expect(panel.get_by_label("Add this amount")).to_be_hidden()
    panel.get_by_label("Top up to", exact=True).fill("900")
    panel.get_by_label("Monthly limit (optional)").fill("2000")
    panel.get_by_label("Monthly limit (optional)").press("Enter")
    expect(page.get_by_test_id("auto-recharge-summary")).to_contain_text("Top up to")
    expect(page.get_by_test_id("auto-recharge-summary")).to_contain_text("$2,000")
    settings = AutoRechargeSettings.objects.get()
    assert (settings.mode, settings.target_balance, settings.monthly_cap) == ("top_up", Decimal("900.00"),
                                                                              Decimal("2000.00"))
