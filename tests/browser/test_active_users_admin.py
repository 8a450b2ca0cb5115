"""Active users as in the real admin centre, at a desktop's and a phone's width: the row's "…" menu by keyboard,
Delete user then Restore from Deleted users, Choose columns, and Select all N users with a confirmation before
Unassign all. Each state is checked for sideways scroll, console errors and serious axe-core violations."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from licensing.models import LicenseAssignment, Product, Subscription
from licensing.services import licenses_change
from tests.browser.test_every_page import AXE
from tests.factories import UserFactory
from tests.licensing.factories import ensure_catalogue

WIDTHS = ((1440, 900), (390, 844))


@pytest.fixture(autouse=True)
def _catalogue(transactional_db):
    ensure_catalogue()


@pytest.fixture
def console(page):
    seen = []
    page.on("console", lambda message: seen.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def problems_here(page, console):
    """Sideways scroll, console errors and serious or critical axe violations of the page as it is now."""
    found = []
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        found.append(f"scrolls {overflow}px sideways")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found += page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => 'axe ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    found += [f"console: {text}" for text in console]
    return found


def _estate(tenant, global_admin, count=10):
    for part, units in [("SPE_E5", 200), ("MCOPSTN1", 200)]:
        product = Product.objects.get(sku_part_number=part)
        Subscription.objects.create(tenant=tenant, product=product, enabled_units=units, price=product.list_price)
    people = [UserFactory(tenant=tenant, display_name=f"Sales person {i:03d}", upn=f"sales{i:03d}@{tenant.initial_domain}",
                          department="Sales", job_title="Account manager", usage_location="US") for i in range(count)]
    licenses_change(tenant=tenant, actor=global_admin, users=people,
                    add=[Product.objects.get(sku_part_number="SPE_E5")])
    return people


@pytest.mark.parametrize("width, height", WIDTHS)
def test_row_menu_by_keyboard_delete_user_then_restore(page, sign_in, user_admin, global_admin, tenant, console,
                                                       screenshot, width, height):
    people = _estate(tenant, global_admin, count=3)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(user_admin)
    page.goto("/users/active/")
    toggle = page.get_by_role("button", name="More actions for Sales person 001")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_role("menu")
    expect(menu.get_by_role("menuitem")).to_have_count(4)
    expect(menu.get_by_role("menuitem", name="Reset password")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="Delete user")).to_be_focused()
    screenshot(f"active-users/row-menu-{width}")
    assert problems_here(page, console) == []
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Delete user")
    expect(panel).to_contain_text("Are you sure you want to delete Sales person 001?")
    expect(panel).to_contain_text("Microsoft 365 E5")
    screenshot(f"active-users/delete-user-panel-{width}")
    assert problems_here(page, console) == []
    panel.get_by_role("button", name="Delete user").click()
    expect(panel.get_by_role("status")).to_contain_text("Sales person 001 was deleted")
    panel.locator("footer").get_by_role("link", name="Close").click()
    expect(page.get_by_role("link", name="Sales person 001")).to_have_count(0)
    assert not LicenseAssignment.objects.filter(user=people[1]).exists()

    page.goto("/users/deleted/")
    expect(page.get_by_role("heading", name="Deleted users", level=1)).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Sales person 001"))
    expect(row).to_contain_text("Jun 17, 2026")
    expect(row).to_contain_text("Jul 17, 2026")
    screenshot(f"active-users/deleted-users-{width}")
    assert problems_here(page, console) == []
    row.get_by_role("link", name="Restore Sales person 001").click()
    restore = page.get_by_role("dialog", name="Restore user")
    screenshot(f"active-users/restore-user-panel-{width}")
    assert problems_here(page, console) == []
    restore.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("Sales person 001 was restored and can sign in again.")).to_be_visible()
    expect(page.get_by_text("No deleted users.")).to_be_visible()
    assert LicenseAssignment.objects.filter(user=people[1]).count() == 1
    assert User.objects.get(pk=people[1].pk).deleted_at is None


@pytest.mark.parametrize("width, height", WIDTHS)
def test_choose_columns(page, sign_in, global_admin, tenant, console, screenshot, width, height):
    _estate(tenant, global_admin, count=3)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(global_admin)
    page.goto("/users/active/")
    if width < 768:  # on a phone the command bar keeps its first command and moves the others into "…"
        page.get_by_role("toolbar", name="Active users commands").get_by_role("button", name="More actions").click()
    page.get_by_role("link", name="Choose columns").click()
    panel = page.get_by_role("dialog", name="Choose columns")
    panel.get_by_label("Department").check()
    panel.get_by_label("Job title").check()
    panel.get_by_label("Licenses").uncheck()
    screenshot(f"active-users/choose-columns-panel-{width}")
    assert problems_here(page, console) == []
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_role("columnheader", name="Department")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Licenses")).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("Sales person 000"))).to_contain_text("Account manager")
    screenshot(f"active-users/columns-chosen-{width}")
    assert problems_here(page, console) == []


@pytest.mark.parametrize("width, height", WIDTHS)
def test_select_all_users_across_pages_then_unassign_all_after_confirming(page, sign_in, global_admin, tenant, console,
                                                                          screenshot, width, height):
    _estate(tenant, global_admin, count=105)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(global_admin)
    page.goto("/users/active/?q=sales")
    page.get_by_label("Select all users on this page").check()
    expect(page.get_by_text("All 100 users on this page are selected.")).to_be_visible()
    page.get_by_role("button", name="Select all 105 users").click()
    expect(page.get_by_text("All 105 users are selected.")).to_be_visible()
    expect(page.get_by_text("105 selected")).to_be_attached()
    screenshot(f"active-users/select-all-{width}")
    assert problems_here(page, console) == []
    if width < 768:
        page.get_by_role("toolbar", name="Active users commands").get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Manage product licenses").click()
    panel = page.get_by_role("dialog", name="Manage product licenses")
    expect(panel).to_contain_text("105 users selected")
    panel.get_by_role("radio", name=re.compile("Unassign all")).check()
    panel.get_by_role("button", name="Save changes").click()
    expect(panel.get_by_role("alert")).to_contain_text(
        "Unassign all removes every license from the 105 selected users: Microsoft 365 E5.")
    screenshot(f"active-users/unassign-all-confirm-{width}")
    assert problems_here(page, console) == []
    assert LicenseAssignment.objects.count() == 105
    panel.get_by_role("button", name="Yes, unassign all").click()
    expect(panel.get_by_role("status")).to_contain_text("Licenses updated for 105 users: 0 assigned, 105 unassigned.")
    assert LicenseAssignment.objects.count() == 0
