"""A Reports reader follows spend from the Communications Credits dashboard to a department, its users and one
user's calls, groups it by office and exports it; at desktop and phone widths."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.reporting.factories import CallRecordFactory


@pytest.fixture(autouse=True)
def june(transactional_db, clock):
    clock.move_to(datetime(2026, 6, 20, 12, tzinfo=UTC))


@pytest.fixture
def spend(tenant):
    ann = UserFactory(tenant=tenant, display_name="Ann Archer", department="Sales", office_location="Seattle")
    bob = UserFactory(tenant=tenant, display_name="Bob Baker", department="Support", office_location="Redmond")
    for person, day, charge in ((ann, 10, "1.25"), (ann, 12, "2.50"), (bob, 11, "0.75")):
        CallRecordFactory(tenant=tenant, user=person, start_at=datetime(2026, 6, day, 10, tzinfo=UTC),
                          charge=Decimal(charge), capability="MCOPSTNPP", callee_number="+442079460000",
                          callee_country="GB")
    return ann


def test_reports_reader_drills_from_the_dashboard_to_a_users_calls(page, sign_in, reports_reader, spend, screenshot):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(reports_reader)
    page.goto("/reports/credits/?range=28")
    departments = page.get_by_test_id("department-table")
    expect(departments.get_by_role("row").nth(1)).to_contain_text("$3.75")
    departments.get_by_role("link", name="Sales").click()
    expect(page.get_by_role("heading", name="Sales: spend by user")).to_be_visible()
    table = page.get_by_test_id("spend-table")
    expect(table.get_by_role("row", name="Ann Archer")).to_contain_text("$3.75")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export to Excel").click()
    assert download.value.suggested_filename == "spend-by-department-users-2026-06-20.xlsx"
    table.get_by_role("link", name="Ann Archer").click()
    calls = page.get_by_test_id("spend-calls")
    expect(calls.get_by_role("row")).to_have_count(3)
    expect(calls).to_contain_text("$2.50")
    page.get_by_role("link", name="Open in PSTN usage report").click()
    expect(page.get_by_role("heading", name="PSTN usage", level=1)).to_be_visible()
    assert f"username={spend.upn.replace('@', '%40')}" in page.url

    page.goto("/reports/credits/spend/?range=28")
    page.get_by_label("Group by").select_option("office")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("spend-table").get_by_role("row", name="Seattle")).to_contain_text("$3.75")
    screenshot("spend-by-office-1440")


def test_spend_reads_at_phone_width_and_from_the_keyboard(page, sign_in, billing_admin, spend, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(billing_admin)
    page.goto("/reports/credits/spend/")
    page.get_by_label("Group by").focus()
    page.keyboard.press("ArrowDown")  # Office
    page.keyboard.press("Tab")  # Date range
    page.keyboard.press("Tab")  # Show (the custom dates are hidden)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("spend-table").get_by_role("columnheader", name="Office")).to_be_visible()
    screenshot("spend-390")
