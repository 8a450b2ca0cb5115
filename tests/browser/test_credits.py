"""A Billing admin's path: a test card on Payment methods, $100 of credits, auto-recharge at $200/$500."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.billing.factories import ensure_recommended_funding
from tests.licensing.factories import ensure_catalogue


@pytest.fixture(autouse=True)
def _migrated_data(transactional_db):
    """Live-server tests flush the database after each test, data migrations included: funding needs licensing's
    catalogue (MCOPSTNC) and the page shows the recommended amounts, so put both back."""
    ensure_catalogue()
    ensure_recommended_funding()


def add_test_card(page, number="4242 4242 4242 4242"):
    page.get_by_role("link", name="Add a payment method").first.click()
    panel = page.get_by_role("dialog", name="Add a payment method")
    panel.get_by_label("Name on card").fill("Bill Billing")
    panel.get_by_label("Card number").fill(number)
    panel.get_by_label("Expiration month").fill("12")
    panel.get_by_label("Expiration year").fill(str(timezone.localdate().year + 3))
    panel.get_by_label("Security code").fill("123")
    return panel


def test_billing_admin_funds_credits_and_turns_on_auto_recharge(page, sign_in, billing_admin, screenshot):
    sign_in(billing_admin)
    page.get_by_role("main").get_by_role("link", name="Communications Credits").first.click()
    expect(page.get_by_role("heading", name="Communications Credits", level=1)).to_be_visible()
    expect(page.get_by_test_id("credits-status")).to_have_text("Not set up")
    screenshot("credits-empty")

    page.get_by_role("link", name="Add funds").click()
    add_funds = page.get_by_role("dialog", name="Add funds")
    expect(add_funds.get_by_label("Payment method")).to_contain_text("No payment method on file")
    panel = add_test_card(page)
    screenshot("payment-method-add")
    panel.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Visa •••• 4242 was added.")
    expect(page.get_by_role("cell", name="Visa •••• 4242", exact=True)).to_be_visible()
    screenshot("payment-methods")

    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Add funds").click()
    add_funds = page.get_by_role("dialog", name="Add funds")
    expect(add_funds.get_by_text("Recommended for 0 licensed users")).to_be_visible()
    add_funds.get_by_label("Amount").fill("100")
    expect(add_funds.get_by_label("Payment method")).to_have_value(add_funds.get_by_label("Payment method")
                                                                   .locator("option").first.get_attribute("value"))
    screenshot("credits-add-funds")
    add_funds.get_by_role("button", name="Add funds").click()
    expect(page.get_by_role("status")).to_contain_text("$100.00 was added with Visa •••• 4242. Your balance is $100.00.")
    expect(page.get_by_test_id("credits-balance")).to_have_text("$100.00")
    expect(page.get_by_test_id("credits-status")).to_have_text("Active")

    page.get_by_role("link", name="Edit auto recharge settings").click()
    settings = page.get_by_role("dialog", name="Auto-recharge settings")
    settings.get_by_label("Add this amount").fill("500")
    settings.get_by_label("When balance is below").fill("49")
    settings.get_by_role("button", name="Save").click()
    settings = page.get_by_role("dialog", name="Auto-recharge settings")
    expect(settings.get_by_text("Please enter a whole number greater than or equal to 50")).to_be_visible()
    screenshot("credits-auto-recharge-error")
    settings.get_by_label("Turn on auto-recharge").check()
    settings.get_by_label("When balance is below").fill("200")
    screenshot("credits-auto-recharge")
    settings.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Auto-recharge is on: when your balance is below $200, $500 is added")
    summary = page.get_by_test_id("auto-recharge-summary")
    expect(summary).to_contain_text("On")
    expect(summary).to_contain_text("$200")
    expect(summary).to_contain_text("$500")
    # $100 is already below the $200 trigger: turning auto-recharge on recharges $500 at once.
    expect(page.get_by_test_id("credits-balance")).to_have_text("$600.00")
    expect(page.get_by_role("cell", name="$100.00").first).to_be_visible()
    expect(page.get_by_test_id("last-recharge")).to_contain_text("Succeeded")
    screenshot("credits-funded")

    page.get_by_role("navigation", name="Communications Credits").get_by_role("link", name="Transactions").click()
    expect(page.get_by_role("cell", name="Purchase", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="+$100.00")).to_be_visible()
    expect(page.get_by_role("cell", name="+$500.00")).to_be_visible()
    screenshot("credits-transactions")


def test_a_declined_card_shows_the_processors_message_in_the_panel(page, sign_in, billing_admin, screenshot):
    sign_in(billing_admin)
    page.goto("/billing/payment-methods/")
    add_test_card(page, "4000 0000 0000 0002").get_by_role("button", name="Add").click()
    page.goto("/billing/credits/add-funds/")
    panel = page.get_by_role("dialog", name="Add funds")
    panel.get_by_label("Amount").fill("100")
    panel.get_by_role("button", name="Add funds").click()
    panel = page.get_by_role("dialog", name="Add funds")
    expect(panel.get_by_role("alert")).to_contain_text("Your card was declined.")
    expect(page.get_by_test_id("credits-balance")).to_have_text("$0.00")
    screenshot("credits-add-funds-declined")
