"""Keyboard only: the user panel is a dialog (focus moves in, stays in, Esc closes it, focus returns to the name that
opened it); on a phone the navigation opens from the menu button and the command bar's extra actions sit in "…"."""
from playwright.sync_api import expect

from tests.browser.conftest import wait_until
from tests.invoices.factories import callers_with_credits
from tests.licensing.factories import ensure_catalogue


def focused(page):
    return page.evaluate("""() => { const e = document.activeElement;
        return {text: (e.innerText || e.value || '').trim(), inDialog: !!e.closest('[role=dialog]'), tag: e.tagName}; }""")


def tab_to(page, name, limit=60):
    """Presses Tab until the focused element's text is `name`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["text"] == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_keyboard_user_opens_the_user_panel_moves_inside_it_and_closes_it_with_escape(
        page, sign_in, global_admin, tenant, screenshot):
    ensure_catalogue()
    callers_with_credits(tenant)
    sign_in(global_admin)
    page.goto("/users/active/")
    tab_to(page, "Grace Hopper")
    page.keyboard.press("Enter")

    panel = page.get_by_role("dialog", name="Grace Hopper")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Account")).to_be_visible()
    wait_until(page, "document.activeElement.closest('[role=dialog]') !== null")
    screenshot("keyboard-user-panel")

    stops = []
    for _ in range(25):  # more presses than the panel has stops: focus wraps, it never reaches the page behind
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["inDialog"], f"Tab left the panel for {now}"
        stops.append(now["text"])
    assert "Licenses and apps" in stops and "✕" in stops
    page.keyboard.press("Shift+Tab")
    assert focused(page)["inDialog"]

    tab_to(page, "Licenses and apps")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("link", name="Licenses and apps", exact=True)).to_have_attribute("aria-current", "page")
    wait_until(page, "document.activeElement.innerText.trim() === 'Licenses and apps'")

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert focused(page)["text"] == "Grace Hopper", "focus goes back to the name that opened the panel"


def test_phone_navigation_opens_from_the_menu_button_and_extra_commands_sit_in_the_overflow_menu(
        page, sign_in, global_admin, tenant, screenshot):
    ensure_catalogue()
    callers_with_credits(tenant)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(global_admin)
    page.goto("/users/active/")
    nav = page.get_by_role("navigation", name="Admin center navigation")
    expect(nav).to_be_hidden()
    menu = page.get_by_role("button", name="Navigation menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Active users")).to_have_attribute("aria-current", "page")
    screenshot("phone-navigation-open")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()

    more = page.get_by_role("toolbar", name="Active users commands").get_by_role("button", name="More actions")
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    screenshot("phone-command-overflow")
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()
    expect(more).to_be_focused()

    page.set_viewport_size({"width": 1440, "height": 900})
    expect(nav).to_be_visible()
    expect(more).to_be_hidden()
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
