"""A Billing admin's path after a failed auto-recharge: read why, replace the card, save, see the recharge and its invoice."""
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.credits.services import auto_recharge_update, credits_add_funds, credits_debit, payment_method_add_card
from tests.billing.factories import ensure_recommended_funding
from tests.licensing.factories import ensure_catalogue


@pytest.fixture(autouse=True)
def _migrated_data(transactional_db):
    ensure_catalogue()
    ensure_recommended_funding()


def card(tenant, actor, number):
    return payment_method_add_card(tenant=tenant, number=number, exp_month=12, exp_year=timezone.localdate().year + 3,
                                   cvc="123", holder_name="Bill Billing", actor=actor)


def test_billing_admin_fixes_a_declined_auto_recharge(page, sign_in, tenant, billing_admin, screenshot):
    visa = card(tenant, billing_admin, "4242 4242 4242 4242")
    declined = card(tenant, billing_admin, "4000 0000 0000 0341")
    credits_add_funds(tenant=tenant, amount=300, payment_method=visa, idempotency_key="initial", actor=billing_admin)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=declined,
                         actor=billing_admin)
    credits_debit(tenant=tenant, amount=Decimal("150.00"), call_id="call-that-crossed")  # the recharge runs and fails

    sign_in(billing_admin)
    page.goto("/billing/credits/")
    failed = page.get_by_test_id("recharge-failed")
    expect(failed).to_contain_text("The last auto-recharge failed.")
    expect(failed).to_contain_text("Your card was declined.")
    expect(failed).to_contain_text("We'll try again after")
    history = page.get_by_test_id("recharge-history")
    expect(history.get_by_role("row")).to_have_count(2)
    expect(history).to_contain_text("Failed")
    screenshot("recharge-failed")

    failed.get_by_role("link", name="Update your payment method").click()
    expect(page.get_by_role("heading", name="Payment methods", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="•••• 0341")
    row.get_by_role("link", name="Replace").click()
    panel = page.get_by_role("dialog")
    panel.get_by_label("Name on card").fill("Bill Billing")
    panel.get_by_label("Card number").fill("5555 5555 5555 4444")
    panel.get_by_label("Expiration month").fill("12")
    panel.get_by_label("Expiration year").fill(str(timezone.localdate().year + 3))
    panel.get_by_label("Security code").fill("123")
    panel.get_by_role("button", name="Replace").click()
    expect(page.get_by_role("cell", name="Mastercard •••• 4444", exact=True)).to_be_visible()

    page.goto("/billing/credits/")
    page.get_by_role("link", name="Edit auto recharge settings").click()
    settings = page.get_by_role("dialog", name="Auto-recharge settings")
    expect(settings.get_by_label("Payment method")).to_contain_text("Mastercard •••• 4444")
    settings.get_by_role("button", name="Save").click()
    settings = page.get_by_role("dialog", name="Auto-recharge settings")  # $150 is below $200: it asks first
    expect(settings.get_by_test_id("recharge-now")).to_contain_text("Mastercard •••• 4444 $500.00")
    settings.get_by_role("button", name="Save and recharge now").click()

    expect(page.get_by_test_id("credits-balance")).to_have_text("$650.00")
    expect(page.get_by_test_id("recharge-failed")).to_have_count(0)
    expect(page.get_by_test_id("last-recharge")).to_contain_text("Succeeded")
    history = page.get_by_test_id("recharge-history")
    expect(history.get_by_role("row")).to_have_count(3)
    newest = history.get_by_role("row").nth(1)
    expect(newest).to_contain_text("Mastercard •••• 4444")
    expect(newest).to_contain_text("Succeeded")
    screenshot("recharge-history")

    newest.get_by_role("link").click()
    expect(page.get_by_text("Communications Credits, auto-recharge").first).to_be_visible()
    screenshot("recharge-invoice")
