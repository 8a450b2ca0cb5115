"""A reports reader's path through PSTN usage: filter the report, page it, edit columns, export it with the
progress bar (a real Celery worker runs the export), download and read the file; minute pools and blocked users;
and a billing admin's look at the Communications Credits dashboard."""
import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import kombu.pools
import pytest
from celery.signals import task_postrun
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from billing.credits.services import credits_add_funds, credits_debit, payment_method_add_card
from billing.rating.models import CallRecord, MinutePool
from reporting.periods import preset_range
from tests.factories import UserFactory
from tests.reporting.factories import BlockedCallFactory, CallRecordFactory, MinutePoolFactory


@pytest.fixture
def celery_worker(settings, tmp_path):
    """A Celery worker thread on an in-memory broker, so exports run in the background as in production."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    def fresh_connections():
        # Producers made earlier in the session hold the configured broker; the next send must open a new one.
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()

    def close_worker_connections(**kwargs):
        # The worker thread's own database connection would outlive the test and block the test database's drop.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    settings.MEDIA_ROOT = tmp_path / "media"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")}
    app.conf.update(task_always_eager=False, broker_url="memory://", broker_transport_options={})
    fresh_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            yield app
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.update(saved)
        fresh_connections()


def _calls(tenant):
    """A month of calls by three people (one with an accent in her name) and 2,400 more to page and export."""
    now = timezone.now().replace(microsecond=0)
    people = [UserFactory(tenant=tenant, upn=upn, display_name=name, usage_location=country)
              for upn, name, country in (("zoe@contoso.test", "Zoë Łukasiewicz", "PL"),
                                         ("adam@contoso.test", "Adam Abbott", "US"),
                                         ("bea@contoso.test", "Bea Brown", "GB"))]
    zoe = people[0]
    mine = [CallRecordFactory(tenant=tenant, user=zoe, start_at=now - timedelta(days=n, hours=2), usage_country="PL",
                              call_type="user_out", callee_number="+4930901820", callee_country="DE",
                              destination_context="International", capability="MCOPSTNPP",
                              charge=Decimal("0.42")) for n in range(1, 6)]
    CallRecord.objects.bulk_create([
        CallRecordFactory.build(tenant=tenant, user=people[1 + n % 2], start_at=now - timedelta(minutes=15 * n + 7),
                                call_type=("user_out", "user_in", "conf_out")[n % 3])
        for n in range(2400)])
    return now, zoe, mine


def test_reports_reader_filters_pages_exports_and_opens_the_file(page, sign_in, reports_reader, tenant, screenshot,
                                                                 celery_worker):
    now, zoe, mine = _calls(tenant)
    sign_in(reports_reader)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="PSTN usage").click()
    expect(page.get_by_role("heading", name="PSTN usage", level=1)).to_be_visible()
    table = page.get_by_test_id("usage-table")
    expect(table.get_by_role("row")).to_have_count(51)  # the header and a page of 50
    expect(page.get_by_test_id("total-calls")).to_have_text(
        f"{CallRecord.objects.filter(start_at__gte=preset_range(28, today=now.date()).start_at).count():,}")
    screenshot("reports-pstn-usage")

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("link", name="Previous")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(51)

    # A wrong custom range is refused with the reason, and nothing is shown.
    page.get_by_label("Date range").select_option("custom")
    page.get_by_label("Start date").fill(now.date().isoformat())
    page.get_by_label("End date").fill((now.date() - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Run report").click()
    expect(page.get_by_test_id("report-errors")).to_contain_text("is after the end date")
    expect(page.get_by_test_id("usage-table")).to_have_count(0)

    page.get_by_label("Date range").select_option("28")
    page.get_by_label("Username").fill("zoe@contoso.test")
    page.get_by_label("Domestic/International").select_option("International")
    page.get_by_role("button", name="Run report").click()
    expect(page.get_by_test_id("total-calls")).to_have_text("5")
    expect(page.get_by_test_id("total-charges")).to_have_text("$2.10")
    expect(table.get_by_role("row")).to_have_count(6)
    expect(table).to_contain_text("Zoë Łukasiewicz")

    page.get_by_test_id("edit-columns").click()
    panel = page.get_by_role("dialog", name="Edit columns")
    panel.get_by_label("Call ID").check()
    panel.get_by_label("Phone number").uncheck()
    panel.get_by_role("button", name="Save").click()
    expect(table.get_by_role("columnheader", name="Call ID")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Phone number")).to_have_count(0)
    expect(table).to_contain_text(mine[0].call_id)
    expect(page.get_by_label("Username")).to_have_value("zoe@contoso.test")

    page.get_by_test_id("export-open").click()
    panel = page.get_by_role("dialog", name="Export to Excel")
    expect(panel).to_contain_text("Exports the 5 calls of this report")
    expect(panel).to_contain_text("Username: zoe@contoso.test")
    panel.get_by_label("CSV in a zip file").check()
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    panel.get_by_role("button", name="Export").click()
    progress = page.get_by_test_id("export-progress")
    expect(progress.locator("progress")).to_be_visible()
    screenshot("reports-export-progress")
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible(timeout=30000)
    expect(progress).to_have_attribute("data-status", "succeeded")
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    assert console_errors == []  # the progress poll swaps itself: no htmx:targetError once it has updated
    screenshot("reports-export-done")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.startswith("PSTN usage details ") and download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        raw = archive.read("PSTN usage details.csv")
        about = json.loads(archive.read("parameters.json"))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(row["Call ID"] for row in rows) == sorted(r.call_id for r in mine)
    assert {row["User Display Name"] for row in rows} == {"Zoë Łukasiewicz"}
    assert sum(Decimal(row["Charge"]) for row in rows) == Decimal("2.10")
    assert about["rowCount"] == 5 and about["filters"]["username"] == "zoe@contoso.test"


def test_a_full_month_exports_to_xlsx(page, sign_in, reports_reader, tenant):
    """The export task runs eagerly here; the test above drives the same path through a worker and the progress bar."""
    import openpyxl

    _calls(tenant)
    sign_in(reports_reader)
    page.goto("/reports/pstn-usage/?range=28&panel=export")
    panel = page.get_by_role("dialog", name="Export to Excel")
    panel.get_by_label("Excel workbook (.xlsx)").check()
    panel.get_by_role("button", name="Export").click()
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible(timeout=30000)
    with page.expect_download() as info:
        download_link.click()
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)["PSTN usage details"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "UsageId" and len(rows) - 1 == CallRecord.objects.filter(
        start_at__gte=preset_range(28, today=timezone.now().date()).start_at).count()


def test_minute_pools_and_blocked_users(page, sign_in, teams_comms_admin, tenant, screenshot):
    month = timezone.now().date().replace(day=1)
    MinutePoolFactory(tenant=tenant, month=month, plan="MCOPSTN1", country="US", capacity_minutes=300_000,
                      used_minutes=252_000)
    MinutePoolFactory(tenant=tenant, month=month, plan="MCOPSTN2", country="GB", capacity_minutes=12_000,
                      used_minutes=3_100)
    MinutePoolFactory(tenant=tenant, month=month, kind=MinutePool.Kind.INTERNATIONAL, plan="MCOPSTN2", country="GB",
                      capacity_minutes=6_000, used_minutes=6_000)
    MinutePoolFactory(tenant=tenant, month=month, kind=MinutePool.Kind.CONFERENCING, plan="MCOMEETADV", country="",
                      capacity_minutes=1_200, used_minutes=410)
    sign_in(teams_comms_admin)
    page.goto("/reports/pstn-usage/")
    page.get_by_role("link", name="PSTN minute pools").click()
    pools = page.get_by_test_id("pools-table")
    expect(pools.get_by_role("row")).to_have_count(5)
    expect(pools).to_contain_text("United States and Puerto Rico")
    expect(pools.get_by_role("img", name="84% used")).to_be_visible()
    screenshot("reports-minute-pools")

    from licensing.models import Product
    from licensing.services import licenses_change, subscription_buy

    tom = UserFactory(tenant=tenant, upn="tom@contoso.test", display_name="Tom Phone", phone_number="+14255550111")
    product = Product.objects.get(sku_part_number="MCOEV")
    subscription_buy(tenant=tenant, product=product, quantity=1, actor=None, idempotency_key="browser-mcoev")
    licenses_change(tenant=tenant, actor=None, users=[tom], add=[product])
    BlockedCallFactory(tenant=tenant, user=tom, blocked_at=timezone.now() - timedelta(hours=3),
                       callee_number="+19005550100", reason="premium_destination")
    page.get_by_role("link", name="PSTN blocked users").click()
    blocked = page.get_by_test_id("blocked-table")
    expect(blocked.get_by_role("row", name="Tom Phone")).to_contain_text("No Calling Plan license")
    expect(page.get_by_test_id("attempts-table")).to_contain_text("Premium-rate destination")
    screenshot("reports-blocked-users")


def test_billing_admin_reads_the_credits_dashboard(page, sign_in, billing_admin, tenant, screenshot, monkeypatch):
    now = timezone.now()
    card = payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12, exp_year=now.year + 2,
                                   cvc="123", holder_name="Bill Billing", actor=billing_admin)
    credits_add_funds(tenant=tenant, amount=Decimal("500"), payment_method=card, idempotency_key="dash-1",
                      actor=billing_admin, at=now - timedelta(days=80))
    people = [UserFactory(tenant=tenant, display_name=name) for name in ("Ada Lovelace", "Bob Byte", "Cy Clone")]
    for n in range(60):
        moment = now - timedelta(days=n * 4 // 3, hours=n % 7)
        record = CallRecordFactory(tenant=tenant, user=people[n % 3], start_at=moment - timedelta(minutes=9),
                                   callee_country=("GB", "FR", "US", "JP")[n % 4], charge=Decimal("1.15"))
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        credits_debit(tenant=tenant, amount=record.charge, call_id=record.call_id)
    monkeypatch.undo()
    sign_in(billing_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role(
        "link", name="Communications Credits").last.click()
    expect(page.get_by_role("heading", name="Communications Credits", level=1)).to_be_visible()
    expect(page.get_by_test_id("dash-available")).to_have_text("$431.00")
    expect(page.get_by_test_id("forecast")).to_contain_text("reaches zero in")
    expect(page.locator("#chart-balance")).to_be_visible()
    assert page.evaluate("() => Chart.getChart('chart-daily').data.datasets[0].data.length") == 90
    expect(page.get_by_test_id("country-table")).to_contain_text("Japan")
    screenshot("reports-credits-dashboard")
