"""A Billing admin sees what expires when: the Home card, the Communications Credits page (each purchase's unused
share and what expired ones forfeited) and the dashboard's forecast, at 1440 px and at 390 px."""
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.credits.services import credits_add_funds, credits_debit, credits_expire_lots, payment_method_add_card
from tests.billing.factories import ensure_recommended_funding
from tests.licensing.factories import ensure_catalogue


@pytest.fixture(autouse=True)
def _migrated_data(transactional_db):
    ensure_catalogue()
    ensure_recommended_funding()


def test_billing_admin_sees_what_expires_and_what_wont_be_used(page, sign_in, tenant, billing_admin, clock, screenshot):
    visa = payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12,
                                   exp_year=timezone.localdate().year + 3, cvc="123", holder_name="Bill Billing",
                                   actor=billing_admin)
    for key, when, amount in (("old", (2025, 6, 1, 12), 100), ("a", (2025, 7, 1, 12), 300), ("b", (2026, 1, 10, 12), 300)):
        clock.at(*when)
        credits_add_funds(tenant=tenant, amount=amount, payment_method=visa, idempotency_key=key, actor=billing_admin)
    clock.at(2026, 6, 1, 13)
    credits_expire_lots(tenant=tenant)  # the Jun 1, 2025 purchase: $100 forfeited
    clock.at(2026, 6, 10, 12)
    credits_debit(tenant=tenant, amount=Decimal("140"), call_id="the-one-call")
    clock.at(2026, 6, 17, 9, 30)

    sign_in(billing_admin)
    card = page.locator(".card, section, article").filter(has_text="Funds expiring next").last
    expect(card).to_contain_text("$160.00")
    expect(card).to_contain_text("Jul 1, 2026")
    expect(card).to_contain_text("$85.00 of it won't be used")
    screenshot("home-expiring-next")

    card.get_by_role("link", name="Funds and expiration").click()
    expiring = page.get_by_test_id("expiring-next")
    expect(expiring).to_contain_text("$160.00 expires on Jul 1, 2026")
    expect(expiring).to_contain_text("$85.00 of it won't be used by then")
    expect(page.get_by_test_id("unused")).to_have_text("$85.00")
    expect(page.get_by_test_id("forfeited")).to_have_text("Forfeited $100.00")
    screenshot("credits-expiry")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("credits-expiry-narrow")
    page.set_viewport_size({"width": 1440, "height": 900})

    page.get_by_role("link", name="See the forecast").click()
    forecast = page.get_by_test_id("forecast")
    expect(forecast).to_contain_text("runs out in 75 days (Aug 31, 2026)")
    expect(page.get_by_test_id("forecast-unused")).to_contain_text("$85.00 of your balance expires before this burn uses it")
    expect(page.get_by_test_id("dash-days")).to_have_text("75")
    page.get_by_test_id("forecast").scroll_into_view_if_needed()
    screenshot("dashboard-forecast-expiry")
