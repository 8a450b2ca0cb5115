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
    expect(page.get_by_role("status")).to_contain_text("Visa •••• 4242 was verified with your card issuer and added.")
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
    add_funds.get_by_role("button", name="Review").click()
    review = page.get_by_role("dialog", name="Review your purchase")
    expect(review.get_by_test_id("review-amount")).to_have_text("$100.00")
    expect(review.get_by_test_id("review-method")).to_contain_text("Visa •••• 4242")
    expect(review.get_by_test_id("review-tax")).to_have_text("$0.00")
    expect(review.get_by_test_id("review-total")).to_have_text("$100.00")
    expect(review.get_by_test_id("review-expiry")).to_have_text(f"{timezone.now():%b} {timezone.now().day}, "
                                                                f"{timezone.now().year + 1}")
    expect(page.get_by_test_id("credits-balance")).to_have_text("$0.00")  # nothing charged yet
    screenshot("credits-add-funds-review")
    review.get_by_role("button", name="Confirm and pay").click()
    expect(page.get_by_role("status")).to_contain_text("$100.00 was added with Visa •••• 4242. Your balance is $100.00.")
    page.get_by_role("status").get_by_role("link", name="View invoice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    expect(page.get_by_role("main")).to_contain_text("$100.00")
    page.go_back()
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
    # $100 is already below the $200 trigger: saving would recharge at once, so the panel says so and asks.
    settings = page.get_by_role("dialog", name="Auto-recharge settings")
    expect(settings.get_by_test_id("recharge-now")).to_contain_text("Saving recharges $500.00 now.")
    expect(page.get_by_test_id("credits-balance")).to_have_text("$100.00")
    screenshot("credits-auto-recharge-confirm")
    settings.get_by_role("button", name="Save and recharge now").click()

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


def test_the_declined_test_card_is_refused_when_added(page, sign_in, billing_admin, screenshot):
    sign_in(billing_admin)
    page.goto("/billing/payment-methods/")
    panel = add_test_card(page, "4000 0000 0000 0002")
    panel.get_by_label("Nickname (optional)").fill("Travel card")
    panel.get_by_role("button", name="Add").click()
    panel = page.get_by_role("dialog", name="Add a payment method")
    expect(panel.get_by_role("alert")).to_contain_text("the card issuer declined a $0.00 verification")
    expect(panel.get_by_label("Card number")).to_have_value("")  # never sent back
    expect(panel.get_by_label("Nickname (optional)")).to_have_value("Travel card")
    screenshot("payment-method-declined-at-add")
    panel.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("cell", name="No payment methods yet", exact=False)).to_be_visible()


def test_nicknames_one_default_and_deleting_the_auto_recharge_card(page, sign_in, tenant, billing_admin, screenshot):
    from billing.credits.services import auto_recharge_update, credits_add_funds, payment_method_add_card

    year = timezone.localdate().year + 3
    visa = payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12, exp_year=year, cvc="123",
                                   holder_name="Bill Billing", actor=billing_admin)
    credits_add_funds(tenant=tenant, amount=1000, payment_method=visa, idempotency_key="initial", actor=billing_admin)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=visa,
                         actor=billing_admin)
    sign_in(billing_admin)
    page.goto("/billing/payment-methods/")
    panel = add_test_card(page, "5555 5555 5555 4444")
    panel.get_by_label("Nickname (optional)").fill("Finance team")
    panel.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Mastercard •••• 4444 was verified with your card issuer")
    # The same card again is refused.
    panel = add_test_card(page, "5555 5555 5555 4444")
    panel.get_by_role("button", name="Add").click()
    panel = page.get_by_role("dialog", name="Add a payment method")
    expect(panel.get_by_role("alert")).to_contain_text("This card is already on file as Finance team (Mastercard •••• 4444)")
    panel.get_by_role("link", name="Cancel").click()
    visa_row = page.get_by_role("row").filter(has_text="Visa •••• 4242")
    expect(visa_row.get_by_test_id("default-badge")).to_be_visible()
    expect(visa_row).to_contain_text("Auto-recharge")

    mastercard_row = page.get_by_role("row").filter(has_text="Mastercard •••• 4444")
    mastercard_row.get_by_role("link", name="Edit").click()
    edit = page.get_by_role("dialog")
    edit.get_by_label("Make this my default payment method").check()
    edit.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("It's your default payment method.")
    expect(mastercard_row.get_by_test_id("default-badge")).to_be_visible()
    expect(visa_row.get_by_test_id("default-badge")).to_have_count(0)
    screenshot("payment-methods-default")

    visa_row.get_by_role("link", name="Delete").click()
    delete = page.get_by_role("dialog")
    expect(delete.get_by_test_id("auto-recharge-stops")).to_contain_text("If you delete it, auto-recharge stops")
    expect(delete.get_by_label("Switch auto-recharge to Finance team (Mastercard •••• 4444)")).to_be_checked()
    screenshot("payment-method-delete-auto-recharge")
    delete.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Visa •••• 4242 was deleted. Auto-recharge now uses Mastercard •••• 4444.")
    expect(page.get_by_role("row").filter(has_text="Mastercard •••• 4444")).to_contain_text("Auto-recharge")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("payment-methods-narrow")
