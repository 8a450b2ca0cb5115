"""A Global admin runs the license optimizer under Billing, reads the changes and their cost in licenses, opens one
user's what-if, then asks the same from the user's panel on Active users; at desktop and phone widths."""
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from billing.rating.services import call_records_import
from tests.billing.factories import ensure_recommended_funding
from tests.invoices.factories import ensure_default_rate_deck
from tests.licensing.factories import ensure_catalogue
from tests.rating.factories import add_credits, make_caller


@pytest.fixture(autouse=True)
def _migrated_data(transactional_db, clock):
    ensure_catalogue()
    ensure_recommended_funding()
    ensure_default_rate_deck()
    clock.move_to(datetime(2026, 6, 20, 12, tzinfo=UTC))


def import_calls(tenant, user, count, minutes, callee="+14255550100", first=date(2026, 6, 1), prefix=""):
    rows = [{"call_id": f"{prefix}{user.upn}-{n}", "call_type": "user_out", "user_principal_name": user.upn,
             "callee_number": callee, "duration_seconds": minutes * 60,
             "start_at": datetime(first.year, first.month, first.day, 10, tzinfo=UTC) + timedelta(days=n)}
            for n in range(count)]
    assert call_records_import(tenant=tenant, rows=rows, actor=None).errors == []


@pytest.fixture
def history(tenant):
    add_credits(tenant, "1000.00")
    ann = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Ann Archer", upn="ann@contoso.test")
    bob = make_caller(tenant, "MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC", display_name="Bob Baker", upn="bob@contoso.test")
    cy = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Cy Cole", upn="cy@contoso.test")
    import_calls(tenant, ann, 10, 10)
    import_calls(tenant, bob, 19, 50)
    import_calls(tenant, cy, 4, 50, callee="+442079460000")
    import_calls(tenant, cy, 10, 50, first=date(2026, 6, 5), prefix="us-")
    return bob


def test_global_admin_finds_the_cheapest_license_mix_and_a_users_what_if(page, sign_in, global_admin, history,
                                                                         screenshot):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(global_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="License optimizer").click()
    expect(page.get_by_role("heading", name="License optimizer", level=1)).to_be_visible()
    page.get_by_label("Calls of the last").select_option("30")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_test_id("optimizer-saving")).to_have_text("$16.15")
    expect(page.get_by_test_id("optimizer-now")).to_have_text("$50.85")
    changes = page.get_by_test_id("optimizer-changes")
    expect(changes.get_by_role("row")).to_have_count(3)
    expect(changes.get_by_role("row").nth(1)).to_contain_text("Bob Baker")
    expect(changes.get_by_role("row").nth(1)).to_contain_text("$10.05")
    expect(page.get_by_test_id("optimizer-licenses")).to_contain_text("Microsoft Teams Domestic Calling Plan")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == "license-optimizer-30-days-2026-06-20.csv"
    screenshot("license-optimizer-1440")

    changes.get_by_role("link", name="Bob Baker").click()
    expect(page.get_by_role("heading", name="What if Bob Baker had another license?")).to_be_visible()
    page.get_by_label("License").select_option(label="Domestic Calling Plan")
    page.get_by_label("Calls of the last").select_option("30")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("what-if-saving")).to_contain_text("Your organization would save $10.05 a month.")
    screenshot("license-what-if")

    page.goto("/users/active/")
    page.get_by_role("link", name="Bob Baker").click()
    panel = page.get_by_role("dialog")
    panel.get_by_test_id("what-if-link").click()
    expect(page.get_by_role("heading", name="What if Bob Baker had another license?")).to_be_visible()


def test_the_optimizer_reads_at_phone_width_and_from_the_keyboard(page, sign_in, billing_admin, history, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(billing_admin)
    page.goto("/billing/license-optimizer/")
    page.get_by_label("Calls of the last").focus()
    page.keyboard.press("ArrowUp")  # 90 -> 30 days
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("optimizer-saving")).to_have_text("$16.15")
    screenshot("license-optimizer-390")
    figures = page.locator(".optimizer-figures")
    assert figures.evaluate("e => e.getBoundingClientRect().right") <= 390
