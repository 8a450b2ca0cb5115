"""A Global admin reads the audit log on a phone: actions and changes in words, filtered by activity and person."""
from playwright.sync_api import expect

from accounts.services import user_update
from tests.invoices.factories import callers_with_credits, card_on_file
from tests.licensing.factories import ensure_catalogue


def test_global_admin_reads_changes_in_words_and_filters_them(page, sign_in, global_admin, tenant, screenshot):
    ensure_catalogue()
    ada = callers_with_credits(tenant)[0]
    user_update(user=ada, actor=global_admin, department="Finance")
    card_on_file(tenant, global_admin)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(global_admin)
    page.get_by_role("button", name="Navigation menu").click()
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    entries = page.get_by_role("table", name="Audit log entries")
    expect(entries).to_contain_text("Edited a user's details")
    expect(entries).to_contain_text("Department: none → Finance")
    expect(entries).to_contain_text("Added a payment method")
    assert "{'" not in entries.inner_text()
    screenshot("audit-log-phone")

    page.get_by_label("Activity").select_option(label="Users")
    page.get_by_role("button", name="Apply").click()
    expect(entries).to_contain_text("Edited a user's details")
    expect(entries).not_to_contain_text("Added a payment method")
    page.get_by_label("Who or what").fill("nobody-by-this-name")
    page.get_by_role("button", name="Apply").click()
    expect(entries).to_contain_text("No entries match this filter.")
    expect(page.get_by_label("Who or what")).to_have_value("nobody-by-this-name")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
