"""A Billing admin's path through Billing > Rates (look up a number, read the operator's decks, no upload); the
operator's import in the Django admin."""
import datetime

from playwright.sync_api import expect

from accounts.models import User
from billing.rating.selectors import today_utc
from billing.rating.services import rate_deck_import

HEADER = "prefix,destination,country,number_type,price_per_minute,connection_fee,first_increment,increment"
OPERATOR_DECK = "\n".join([
    HEADER,
    "44,United Kingdom - Fixed,GB,fixed,0.0240,0.00,60,60",
    "447,United Kingdom - Mobile,GB,mobile,0.0500,0.00,60,60",
    "449,United Kingdom - Premium,GB,premium,2.7500,0.25,60,60",
]).encode()


def csv_file(name, *lines):
    return {"name": name, "mimeType": "text/csv", "buffer": "\n".join([HEADER, *lines]).encode()}


def test_billing_admin_looks_up_a_rate_and_reads_the_operators_decks(page, sign_in, billing_admin, tenant, screenshot):
    # Browser tests run on a flushed database, so the operator's deck is imported here rather than assumed.
    rate_deck_import(content=OPERATOR_DECK, effective_from=today_utc(), name="Operator rates 2026",
                     source_file_name="operator.csv")
    tomorrow = today_utc() + datetime.timedelta(days=1)
    sign_in(billing_admin)

    page.goto("/billing/rates/")
    expect(page.get_by_role("heading", name="Rates", level=1)).to_be_visible()
    versions = page.get_by_role("table", name="Rate decks")
    expect(versions.get_by_role("row", name="Operator rates 2026")).to_contain_text("In effect")

    page.get_by_label("Search a phone number").fill("+44 7400 123456")
    page.get_by_role("button", name="Look up").click()
    lookup = page.get_by_test_id("rate-lookup")
    expect(lookup.get_by_role("heading")).to_have_text("Rate for +44 7400 123456")
    expect(lookup).to_contain_text("United Kingdom - Mobile")
    expect(page.get_by_test_id("price-per-minute")).to_have_text("$0.0500")
    screenshot("rates-lookup")

    expect(page.get_by_role("link", name="Upload rates")).to_have_count(0)
    rate_deck_import(content=OPERATOR_DECK.replace(b"0.0500", b"0.0300"), effective_from=tomorrow, tenant=tenant,
                     name="Contoso negotiated rates", source_file_name="contoso.csv")
    page.goto("/billing/rates/")
    row = page.get_by_role("table", name="Rate decks").get_by_role("row", name="Contoso negotiated rates")
    expect(row).to_contain_text("Your organization")
    expect(row).to_contain_text("Scheduled")
    expect(row).to_contain_text(f"{tomorrow:%b} {tomorrow.day}, {tomorrow.year}")
    screenshot("rates")


def test_operator_imports_a_global_deck_in_the_django_admin(page, password, screenshot):
    User.objects.create_superuser("operator@admin.example", password)
    effective = today_utc() + datetime.timedelta(days=30)

    page.goto("/django-admin/")
    page.get_by_label("User principal name").fill("operator@admin.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Rate deck versions").click()
    page.get_by_role("link", name="Import rates").click()
    page.get_by_label("Tenant").select_option(label="Global deck (every tenant)")
    page.get_by_label("Name").fill("Carrier deck 2027")
    page.get_by_label("Effective date").fill(effective.isoformat())
    page.get_by_label("Rate file (CSV)").set_input_files(csv_file("carrier.csv", "44,UK,GB,fixed,0.0200,0.00,60,60",
                                                                  "447,UK mobile,GB,mobile,0.40,0.001,60,60"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("rate-file-problems")).to_have_text(
        "line 3, column connection_fee: '0.001' has more than 2 decimal places")
    screenshot("admin-import-rates-error")

    page.get_by_label("Rate file (CSV)").set_input_files(csv_file("carrier.csv", "44,UK,GB,fixed,0.0200,0.00,60,60",
                                                                  "447,UK mobile,GB,mobile,0.40,0.00,60,60"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 2 rates as 'Carrier deck 2027'")).to_be_visible()
    expect(page.get_by_role("row", name="Carrier deck 2027")).to_contain_text("Global")
    screenshot("admin-rate-deck-versions")
