"""A person's first path: sign in, see the navigation that fits the role, sign out."""
from playwright.sync_api import expect


def test_global_admin_signs_in_and_sees_the_navigation(page, sign_in, global_admin, screenshot):
    sign_in(global_admin)
    nav = page.get_by_role("navigation", name="Admin center navigation")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav.get_by_role("link", name="Org settings")).to_be_visible()
    expect(page.get_by_test_id("tenant-name")).to_have_text("Contoso Test")
    expect(page.get_by_role("heading", name="Contoso Test", level=1)).to_be_visible()
    screenshot("home-global-admin")
    nav.get_by_role("link", name="Org settings").click()
    expect(page.get_by_role("heading", name="Org settings")).to_be_visible()
    page.get_by_label("Token name").fill("Telephony platform")
    page.get_by_label("Calls: the telephony platform's authorize, complete and import").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_test_id("new-token")).to_contain_text("cct_")
    expect(page.get_by_role("cell", name="Telephony platform", exact=True)).to_be_visible()
    screenshot("org-settings")
    page.locator("summary", has_text="Account manager for Grace Global").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_user_without_a_role_is_told_an_admin_role_is_needed(page, sign_in, no_role_user, screenshot):
    sign_in(no_role_user)
    expect(page.get_by_role("heading", name="You don't have permission to access the admin center")).to_be_visible()
    expect(page.get_by_role("navigation", name="Admin center navigation")).to_have_count(0)
    screenshot("no-role")


def test_wrong_password_shows_a_form_error(page, sign_in, global_admin, screenshot):
    sign_in(global_admin, pw="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Your account or password is incorrect")
    screenshot("sign-in-error")
