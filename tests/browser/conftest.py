"""Browser harness: Playwright for Python driving Debian's Chromium against pytest-django's live server."""
import os
import shutil
import warnings
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are
# ordinary synchronous calls, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Assertions wait as long as actions do: CI shares two cores with a database, a broker and a worker.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Marks the tests of this folder `browser` (a conftest's hook sees every collected test, not only its own)."""
    for item in items:
        if BROWSER_TESTS in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def wait_until(page, predicate, timeout_ms=15_000):
    """Polls a JavaScript expression with page.evaluate until it is truthy. Unlike page.wait_for_function, which
    compiles its predicate inside the page, this works under the product's Content-Security-Policy (no eval)."""
    waited = 0
    while not page.evaluate(predicate):
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {predicate}")
        page.wait_for_timeout(100)
        waited += 100


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium` (make test does it).")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 860},
                                  accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(page, password):
    """sign_in(user) goes through the real sign-in form and lands on Home."""

    def go(user, pw=None):
        page.goto("/signin/")
        page.get_by_placeholder("someone@contoso.example").fill(user.upn)
        page.get_by_placeholder("Password").fill(pw or password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("domcontentloaded")
        return page

    return go


@pytest.fixture
def screenshot(page):
    """screenshot("name") keeps a full-page PNG under artifacts/screenshots for people to look at."""

    def take(name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        # Chromium sometimes cannot capture a full page while the machine is loaded ("Unable to capture
        # screenshot"). The picture is for people to look at, not an assertion: try again, then settle for
        # the viewport, and say so rather than fail the person's path the test checks.
        for full_page in (True, True, False):
            try:
                page.screenshot(path=str(path), full_page=full_page)
                return path
            except PlaywrightError as error:
                last = error
                page.wait_for_timeout(250)
        warnings.warn(f"screenshot {name!r} not taken: {last}", stacklevel=2)
        return None

    return take
