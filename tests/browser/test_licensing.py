"""People's paths through the licensing pages: Active users, the user panel, Add a user, Your products, Licenses."""
import re

import pytest
from playwright.sync_api import expect

from licensing.models import LicenseAssignment, Product, Subscription
from licensing.services import licenses_change
from tests.browser.conftest import wait_until
from tests.factories import UserFactory
from tests.licensing.factories import ensure_catalogue

NAMES = ["Adele Vance", "Alex Wilber", "Diego Siciliani", "Grady Archie", "Isaiah Langer", "Johanna Lorenz",
         "Lee Gu", "Lidia Holloway", "Megan Bowen", "Nestor Wilke"]


@pytest.fixture(autouse=True)
def _catalogue(transactional_db):
    """Live-server tests flush the database after each test, migrated catalogue included: put it back."""
    ensure_catalogue()


def _subscribe(tenant, part, units):
    product = Product.objects.get(sku_part_number=part)
    return Subscription.objects.create(tenant=tenant, product=product, enabled_units=units, price=product.list_price)


@pytest.fixture
def estate(tenant, global_admin):
    """Ten people with E5 (Teams Phone included), and Domestic Calling Plans bought for twenty."""
    for part, units in [("SPE_E5", 25), ("SPE_E3", 10), ("MCOPSTN1", 20), ("MCOPSTN2", 5), ("MCOMEETADV", 5)]:
        _subscribe(tenant, part, units)
    people = [UserFactory(tenant=tenant, display_name=name, upn=f"{name.split()[0].lower()}@{tenant.initial_domain}",
                          usage_location="US") for name in NAMES]
    licenses_change(tenant=tenant, actor=global_admin, users=people, add=[Product.objects.get(sku_part_number="SPE_E5")])
    licenses_change(tenant=tenant, actor=global_admin, users=people[-2:],
                    add=[Product.objects.get(sku_part_number="MCOPSTN1")])
    return people


def test_select_three_users_and_assign_a_domestic_calling_plan(page, sign_in, global_admin, estate, screenshot):
    sign_in(global_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Active users").click()
    expect(page.get_by_role("heading", name="Active users", level=1)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Adele Vance"))).to_contain_text("Microsoft 365 E5")
    screenshot("licensing-active-users")
    for name in ["Adele Vance", "Alex Wilber", "Diego Siciliani"]:
        page.get_by_label(f"Select {name}").check()
    expect(page.get_by_text("3 selected")).to_be_visible()
    page.get_by_role("button", name="Manage product licenses").click()
    panel = page.get_by_role("dialog", name="Manage product licenses")
    domestic = panel.locator(".license-option", has_text="Microsoft Teams Domestic Calling Plan")
    expect(domestic).to_contain_text("18 of 20 licenses available")
    screenshot("licensing-manage-licenses")
    panel.get_by_role("radio", name=re.compile("Assign more")).check()
    domestic.get_by_role("checkbox").check()
    panel.get_by_role("button", name="Save changes").click()
    expect(panel.get_by_role("status")).to_contain_text("Licenses updated for 3 users: 3 assigned, 0 unassigned.")
    expect(domestic).to_contain_text("15 of 20 licenses available")
    screenshot("licensing-manage-licenses-saved")
    panel.locator("footer").get_by_role("link", name="Close").click()
    expect(page.get_by_role("row", name=re.compile("Alex Wilber"))).to_contain_text("Domestic Calling Plan")
    assert LicenseAssignment.objects.filter(product__sku_part_number="MCOPSTN1").count() == 5


def test_bulk_assign_beyond_what_is_left_assigns_none_and_says_why(page, sign_in, global_admin, estate, screenshot):
    sign_in(global_admin)
    page.goto("/users/active/")
    page.get_by_label("Select all users on this page").check()
    page.get_by_role("button", name="Manage product licenses").click()
    panel = page.get_by_role("dialog", name="Manage product licenses")
    panel.locator(".license-option", has_text="Microsoft Teams Domestic and International").get_by_role("checkbox").check()
    panel.get_by_role("button", name="Save changes").click()
    expect(panel.get_by_role("alert").filter(has_text="licenses needed")).to_contain_text(
        "11 licenses needed, 5 available. No licenses were assigned.")
    screenshot("licensing-manage-licenses-error")
    assert not LicenseAssignment.objects.filter(product__sku_part_number="MCOPSTN2").exists()


def test_user_panel_licenses_and_apps(page, sign_in, license_admin, estate, tenant, screenshot):
    newcomer = UserFactory(tenant=tenant, display_name="Nora Newcomer", upn=f"nora@{tenant.initial_domain}",
                           usage_location="")
    sign_in(license_admin)
    page.goto("/users/active/")
    page.get_by_role("link", name="Nora Newcomer").click()
    panel = page.get_by_role("dialog", name="Nora Newcomer")
    expect(panel.get_by_text("Unlicensed")).to_be_visible()
    screenshot("licensing-user-panel-account")
    panel.get_by_role("link", name="Licenses and apps").first.click()
    e3 = panel.locator(".license-option", has_text="Microsoft 365 E3")
    e3.get_by_role("checkbox", name=re.compile("Microsoft 365 E3")).check()
    panel.get_by_role("button", name="Save changes").click()
    expect(panel.get_by_role("alert")).to_contain_text("invalid usage location")
    panel.get_by_label("Select location").select_option("GB")
    e3.get_by_text("Apps (5)").click()
    e3.get_by_text("SharePoint (Plan 2)").click()
    expect(e3.get_by_role("switch", name="SharePoint (Plan 2)")).not_to_be_checked()
    screenshot("licensing-user-panel-licenses")
    panel.get_by_role("button", name="Save changes").click()
    expect(panel.get_by_text("Licenses and apps updated for Nora Newcomer.")).to_be_visible()
    expect(e3).to_contain_text("9 of 10 licenses available")
    newcomer.refresh_from_db()
    assert newcomer.usage_location == "GB"
    plans = dict(newcomer.assigned_plans.values_list("service_plan__name", "enabled"))
    assert plans["SHAREPOINTENTERPRISE"] is False and plans["TEAMS1"] is True
    expect(page.get_by_role("row", name=re.compile("Nora Newcomer"))).to_contain_text("Microsoft 365 E3")


def test_search_filter_and_sort_update_the_table(page, sign_in, user_admin, estate, screenshot):
    sign_in(user_admin)
    page.goto("/users/active/")
    page.get_by_placeholder("Search active users list").fill("wil")
    expect(page.locator("#users-table tbody tr")).to_have_count(2)
    page.get_by_placeholder("Search active users list").fill("")
    page.get_by_label("Filter by license").select_option(label="Microsoft Teams Domestic Calling Plan")
    expect(page.locator("#users-table tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"product=MCOPSTN1"))
    page.get_by_label("Filter by license").select_option(label="All licenses")
    expect(page.locator("#users-table tbody tr")).to_have_count(12)
    page.get_by_role("link", name=re.compile("^Display name")).click()
    expect(page.locator("#users-table tbody tr").first).to_contain_text("Ugo Users")
    screenshot("licensing-active-users-sorted")


def test_add_a_user_with_a_license(page, sign_in, global_admin, estate, screenshot):
    sign_in(global_admin)
    page.goto("/users/active/")
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("First name").fill("Patti")
    page.get_by_label("Last name").fill("Fernandez")
    page.get_by_label("Display name").fill("Patti Fernandez")
    page.get_by_label("Username").fill("patti")
    screenshot("licensing-add-user-basics")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Select location").select_option("CA")
    page.locator(".license-option", has_text="Microsoft 365 E5").get_by_role("checkbox").check()
    page.locator(".license-option", has_text="Microsoft Teams Domestic Calling Plan").get_by_role("checkbox").check()
    screenshot("licensing-add-user-licenses")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Job title").fill("Controller")
    screenshot("licensing-add-user-settings")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("patti@contoso.test")).to_be_visible()
    screenshot("licensing-add-user-finish")
    page.get_by_role("button", name="Finish adding").click()
    expect(page.get_by_role("heading", name="Patti Fernandez added to active users")).to_be_visible()
    expect(page.get_by_test_id("new-password")).to_have_text(re.compile(r"^[A-Za-z0-9]{14}$"))
    screenshot("licensing-add-user-done")
    parts = set(LicenseAssignment.objects.filter(user__upn="patti@contoso.test")
                .values_list("product__sku_part_number", flat=True))
    assert parts == {"SPE_E5", "MCOPSTN1"}


def test_block_sign_in_and_edit_contact_information(page, sign_in, user_admin, estate, screenshot):
    sign_in(user_admin)
    page.goto("/users/active/")
    page.get_by_role("link", name="Lee Gu").click()
    panel = page.get_by_role("dialog", name="Lee Gu")
    panel.get_by_role("link", name="Manage contact information").click()
    edit = page.get_by_role("dialog", name="Manage contact information")
    edit.get_by_label("Job title").fill("Sales Director")
    screenshot("licensing-user-edit")
    edit.get_by_role("button", name="Save changes").click()
    panel = page.get_by_role("dialog", name="Lee Gu")
    expect(panel).to_contain_text("Sales Director")
    panel.get_by_role("link", name="Block sign-in").click()
    block = page.get_by_role("dialog", name="Block sign-in")
    block.get_by_label("Block this user from signing in").check()
    screenshot("licensing-block-sign-in")
    block.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("dialog", name="Lee Gu")).to_contain_text("Sign-in blocked")
    expect(page.get_by_role("row", name=re.compile("Lee Gu"))).to_contain_text("Sign-in blocked")


def test_billing_admin_buys_and_removes_licenses(page, sign_in, billing_admin, estate, screenshot):
    sign_in(billing_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Your products").click()
    expect(page.get_by_role("heading", name="Your products")).to_be_visible()
    screenshot("licensing-your-products")
    page.get_by_role("link", name="Microsoft Teams Domestic Calling Plan").click()
    page.get_by_role("link", name="Buy licenses").click()
    panel = page.get_by_role("dialog", name="Buy licenses")
    panel.get_by_label("Quantity to add").fill("5")
    screenshot("licensing-buy-licenses")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("total-licenses")).to_have_text("25")
    page.get_by_role("link", name="Remove licenses").click()
    panel = page.get_by_role("dialog", name="Remove licenses")
    panel.get_by_label("New quantity").fill("1")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_role("alert")).to_contain_text("2 licenses of Microsoft Teams Domestic Calling Plan are assigned")
    panel.get_by_label("New quantity").fill("10")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("total-licenses")).to_have_text("10")
    screenshot("licensing-product-detail")


def test_licenses_page_assign_and_unassign(page, sign_in, license_admin, estate, screenshot):
    sign_in(license_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Licenses").click()
    screenshot("licensing-licenses")
    page.get_by_role("link", name="Microsoft 365 Audio Conferencing").click()
    page.get_by_role("link", name="Assign licenses").click()
    panel = page.get_by_role("dialog", name="Assign licenses")
    expect(panel).to_be_visible()
    # htmx binds the search box's triggers while it swaps the panel in; typing before it settles is lost.
    wait_until(page, "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    panel.get_by_label("Enter a name or email address").fill("Megan")
    expect(panel.locator(".license-option")).to_have_count(1)
    panel.get_by_role("checkbox").check()
    screenshot("licensing-assign-licenses")
    panel.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("license-summary")).to_contain_text("1 of 5 licenses assigned")
    page.get_by_label("Select Megan Bowen").check()
    page.get_by_role("button", name="Unassign licenses").click()
    expect(page.get_by_test_id("license-summary")).to_contain_text("0 of 5 licenses assigned")
    screenshot("licensing-license-detail")
