"""Every page of the admin centre at a desktop's width (1440×900) and a phone's (390×844): no horizontal scroll, no
console error, no serious or critical axe-core violation; a screenshot of each at both widths.

axe-core comes from npm (package.json's devDependencies) and is injected from node_modules by the test.
"""
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billing.notifications.models import EmailLog
from licensing.models import Subscription
from tests.billing.factories import ensure_recommended_funding
from tests.invoices.factories import (
    callers_with_credits,
    card_on_file,
    ensure_default_rate_deck,
    fund,
    purchase,
    statement,
)
from tests.licensing.factories import ensure_catalogue
from tests.reporting.factories import BlockedCallFactory, CallRecordFactory

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = ((1440, 900), (390, 844))  # a desktop, a phone


@pytest.fixture
def shop(transactional_db, tenant, global_admin, clock):
    """A tenant in use: four callers with licenses, a card, funds, a month of calls, invoices, blocked calls."""
    ensure_catalogue()
    ensure_recommended_funding()
    ensure_default_rate_deck()
    people = callers_with_credits(tenant)
    card = card_on_file(tenant, global_admin)
    fund(tenant, card, "500.00", key="every-page-1", actor=global_admin)
    for index, person in enumerate(people * 3):
        CallRecordFactory(tenant=tenant, user=person, start_at=datetime(2026, 6, 2 + index, 9, tzinfo=UTC),
                          duration_seconds=95 + index * 31, charge=Decimal("0.12") * index)
    BlockedCallFactory(tenant=tenant, user=people[0])
    invoice = purchase(tenant, "250.00", issued_at=datetime(2026, 5, 4, 9, tzinfo=UTC), actor=global_admin)
    statement(tenant)
    return {"people": people, "card": card, "invoice": invoice}


def pages(shop):
    """(name, path) of every page a Global admin can open, with the tenant's own ids filled in."""
    person = shop["people"][0]
    subscription = Subscription.objects.filter(tenant=person.tenant).order_by("pk").first()
    email = EmailLog.objects.filter(tenant=person.tenant).order_by("pk").first()
    found = [
        ("home", "/"),
        ("org-settings", "/settings/"),
        ("audit-log", "/settings/audit-log/"),
        ("active-users", "/users/active/"),
        ("user-panel", f"/users/active/{person.pk}/"),
        ("add-user", "/users/active/add/"),
        ("products", "/billing/products/"),
        ("product-detail", f"/billing/products/{subscription.pk}/"),
        ("licenses", "/billing/licenses/"),
        ("license-detail", f"/billing/licenses/{subscription.pk}/"),
        ("credits", "/billing/credits/"),
        ("credits-add-funds", "/billing/credits/add-funds/"),
        ("credits-auto-recharge", "/billing/credits/auto-recharge/"),
        ("credits-transactions", "/billing/credits/transactions/"),
        ("payment-methods", "/billing/payment-methods/"),
        ("payment-method-add", "/billing/payment-methods/add/"),
        ("rates", "/billing/rates/"),
        ("license-optimizer", "/billing/license-optimizer/"),
        ("license-what-if", f"/billing/license-optimizer/what-if/{person.pk}/"),
        ("bills", "/billing/bills/"),
        ("invoice-detail", f"/billing/bills/{shop['invoice'].pk}/"),
        ("notifications", "/billing/notifications/"),
        ("email-log", "/billing/notifications/email-log/"),
        ("pstn-usage", "/reports/pstn-usage/"),
        ("minute-pools", "/reports/pstn-usage/?tab=pools"),
        ("blocked-users", "/reports/pstn-usage/?tab=blocked"),
        ("credits-dashboard", "/reports/credits/"),
        ("spend", "/reports/credits/spend/"),
        ("not-found", "/billing/bills/00000000-0000-0000-0000-000000000000/"),
        # Side panels opened without JavaScript (their own URL), which take the full width on a phone.
        ("user-edit-panel", f"/users/active/{person.pk}/edit/"),
        ("user-sign-in-panel", f"/users/active/{person.pk}/sign-in/"),
        ("user-licenses-panel", f"/users/active/{person.pk}/?tab=licenses"),
        ("manage-licenses-panel", f"/users/active/manage-licenses/?user={person.pk}"),
        ("choose-columns-panel", "/users/active/columns/"),
        ("delete-user-panel", f"/users/active/{person.pk}/delete/"),
        ("deleted-users", "/users/deleted/"),
        ("license-assign-panel", f"/billing/licenses/{subscription.pk}/assign/"),
        ("product-buy-panel", f"/billing/products/{subscription.pk}/buy/"),
        ("rates-upload-panel", "/billing/rates/upload/"),
        ("edit-columns-panel", "/reports/pstn-usage/?panel=columns"),
        ("export-panel", "/reports/pstn-usage/?panel=export"),
    ]
    if email:
        found.append(("email-detail", f"/billing/notifications/email-log/{email.pk}/"))
    return found


def problems_on(page, url, width, height, console):
    page.set_viewport_size({"width": width, "height": height})
    console.clear()
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    found = []
    if response.status >= 500:
        found.append(f"status {response.status}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        wide = page.evaluate("""() => {
            const edge = document.documentElement.clientWidth + 1;
            const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
            const beyond = e => e.getBoundingClientRect().right > edge;
            return [...document.querySelectorAll('body *')].filter(e => beyond(e) && (!clipped(e) || !beyond(e.parentElement)))
                .slice(0, 4).map(e => `${e.tagName.toLowerCase()}.${String(e.className).replaceAll(' ', '.')} `
                    + `${Math.round(e.getBoundingClientRect().right)}px`);
        }""")
        found.append(f"scrolls {overflow}px sideways: {wide}")
    # Evaluated rather than added as a script tag: the site's Content-Security-Policy (script-src 'self') refuses
    # inline scripts, and the test must not weaken the policy it checks the pages under.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    found += [f"axe {v}" for v in violations]
    # A page that is a 404 on purpose logs its own status; nothing else may log an error.
    found += [f"console: {text}" for text, source in console
              if not (response.status == 404 and source == page.url and "404" in text)]
    return found


def test_every_page_fits_a_phone_and_a_desktop_without_console_errors_or_axe_violations(
        page, sign_in, global_admin, shop, screenshot):
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make install does it)"
    console = []
    page.on("console", lambda message: console.append((message.text, message.location.get("url")))
            if message.type == "error" else None)
    page.on("pageerror", lambda error: console.append((str(error), None)))
    report = {}
    for width, height in WIDTHS:  # the sign-in page, before anyone signs in
        found = problems_on(page, "/signin/", width, height, console)
        screenshot(f"every-page/sign-in-{width}")
        if found:
            report[f"sign-in at {width}"] = found
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(global_admin)
    for name, url in pages(shop):
        for width, height in WIDTHS:
            found = problems_on(page, url, width, height, console)
            screenshot(f"every-page/{name}-{width}")
            if found:
                report[f"{name} at {width}"] = found
    assert report == {}, "\n".join(f"{where}:\n  " + "\n  ".join(items) for where, items in report.items())
