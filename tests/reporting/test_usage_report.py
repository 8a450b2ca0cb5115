"""PSTN usage details: figures equal independent sums of the call records and the ledger, filters, keyset pages,
roles, tenant isolation and bad input."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.credits.models import LedgerEntry
from billing.rating.models import CallRecord
from core.dates import datetime_text
from reporting.columns import utc_text
from reporting.periods import preset_range
from tests.factories import UserFactory
from tests.reporting.factories import CallRecordFactory

URL = reverse("reporting:pstn_usage")


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def callers(tenant):
    return [UserFactory(tenant=tenant, upn=f"{name.lower()}@contoso.test", display_name=f"{name} Caller",
                        usage_location=country)
            for name, country in (("Ada", "US"), ("Bram", "GB"), ("Chloé", "DE"))]


@pytest.fixture
def usage(tenant, other_tenant, callers, charged_call, fund, now):
    """A month of mixed calls: plan-paid, credit-paid (debited from the ledger), inbound, and calls outside the
    28-day range and of another tenant that the report must leave out."""
    fund(500, at=now - timedelta(days=60))
    ada, bram, chloe = callers
    CallRecordFactory(tenant=tenant, user=ada, start_at=now - timedelta(days=1, hours=2), duration_seconds=300)
    CallRecordFactory(tenant=tenant, user=ada, start_at=now - timedelta(days=3), call_type="user_in",
                      capability="FREECALL", duration_seconds=61)
    charged_call("1.44", user=bram, start_at=now - timedelta(days=2), usage_country="GB", callee_number="+33142685300",
                 callee_country="FR", destination_context="International", duration_seconds=301)
    charged_call("0.35", user=chloe, start_at=now - timedelta(days=10), usage_country="DE", duration_seconds=59,
                 destination_context="International", callee_country="US")
    charged_call("2.10", start_at=now - timedelta(days=5), call_type="unassigned_in", kind="toll_free_charge",
                 phone_number="+18005550100", number_type="toll_free", duration_seconds=1250, usage_country="")
    charged_call("9.99", user=ada, start_at=now - timedelta(days=40), duration_seconds=600)  # before the range
    CallRecordFactory(tenant=other_tenant, start_at=now - timedelta(days=1), charge=Decimal("5.00"))
    return tenant


def _expected(tenant, period, **match):
    """Totals computed without the report's code: filter the records in Python, take charges from the ledger."""
    records = [r for r in CallRecord.objects.filter(tenant=tenant)
               if period.start_at <= r.start_at < period.end_at and all(getattr(r, k) == v for k, v in match.items())]
    call_ids = {r.call_id for r in records}
    debits = [e for e in LedgerEntry.objects.filter(account__tenant=tenant) if e.call_id in call_ids]
    return {"calls": len(records), "seconds": sum(r.duration_seconds for r in records),
            "charge": -sum((e.amount for e in debits), Decimal("0.00"))}


def test_totals_of_28_days_equal_the_call_records_and_the_ledger_debits(client_as, reports_reader, usage):
    response = client_as(reports_reader).get(URL, {"range": "28"})
    assert response.status_code == 200
    totals = response.context["totals"]
    expected = _expected(usage, preset_range(28, today=timezone.now().date()))
    assert (totals.calls, totals.seconds, totals.charge) == (expected["calls"], expected["seconds"], expected["charge"])
    assert expected == {"calls": 5, "seconds": 300 + 61 + 301 + 59 + 1250, "charge": Decimal("3.89")}
    assert totals.minutes == Decimal("33")  # 1,971 seconds: 32.85 minutes, counted whole
    assert 'data-testid="total-minutes">33<' in response.content.decode()
    body = response.content.decode()
    assert 'data-testid="total-charges">$3.89<' in body and 'data-testid="total-calls">5<' in body


@pytest.mark.parametrize(("query", "match"), [
    ({"username": "bram@contoso.test"}, {"user_principal_name": "bram@contoso.test"}),
    ({"call_type": "user_in"}, {"call_type": "user_in"}),
    ({"context": "International"}, {"destination_context": "International"}),
    ({"country": "de"}, {"usage_country": "DE"}),
    ({"capability": "MCOPSTNPP"}, {"capability": "MCOPSTNPP"}),
    ({"call_type": "user_out", "context": "Domestic"}, {"call_type": "user_out", "destination_context": "Domestic"}),
])
def test_each_filter_narrows_totals_and_rows_to_the_matching_calls(client_as, reports_reader, usage, query, match):
    response = client_as(reports_reader).get(URL, {"range": "28", **query})
    assert response.status_code == 200
    expected = _expected(usage, preset_range(28, today=timezone.now().date()), **match)
    totals = response.context["totals"]
    assert (totals.calls, totals.seconds, totals.charge) == (expected["calls"], expected["seconds"], expected["charge"])
    assert len(response.context["rows"]) == expected["calls"] > 0


def test_rows_show_the_admin_centre_columns_newest_first(client_as, reports_reader, usage, now):
    response = client_as(reports_reader).get(URL, {"range": "28", "col": ["timestamp", "display_name", "charge",
                                                                         "duration", "to_country", "capability"]})
    assert [label for _, label in [(k, c.label) for k, c in response.context["columns"]]] == [
        "Time stamp (UTC)", "Display name", "To country or region", "Charge", "Duration", "Capability"]
    first = [text for text, _ in response.context["rows"][0]]
    assert first == [datetime_text(now - timedelta(days=1, hours=2)), "Ada Caller", "US", "0.00", "0:05:00",
                     "MCOPSTN1"]
    starts = [row["start_at"] for row in response.context["page"].rows]
    assert starts == sorted(starts, reverse=True)


def test_time_stamps_read_in_the_sites_date_format_and_the_export_keeps_iso(client_as, reports_reader, tenant, now):
    start = datetime.combine(now.date() - timedelta(days=4), datetime.min.time(), tzinfo=UTC).replace(hour=9)
    CallRecordFactory(tenant=tenant, start_at=start)
    response = client_as(reports_reader).get(URL, {"range": "28", "col": ["timestamp"]})
    # As the site writes every instant: "Jun 13, 2026, 09:00 UTC" (the month's short name, the day without a zero).
    assert [row[0][0] for row in response.context["rows"]] == [f"{start:%b} {start.day}, {start.year}, 09:00 UTC"]
    assert f"{start:%Y-%m-%d %H:%M:%S}".encode() not in response.content
    assert utc_text(datetime(2026, 6, 13, 9, 0, tzinfo=UTC)) == "2026-06-13T09:00:00Z"


def test_keyset_pages_walk_every_call_once_and_back(client_as, reports_reader, tenant, now):
    # Several calls share a start time, so the id breaks ties between pages.
    CallRecordFactory.create_batch(120, tenant=tenant, start_at=now - timedelta(hours=5))
    for n in range(30):
        CallRecordFactory(tenant=tenant, start_at=now - timedelta(hours=n, minutes=1))
    client = client_as(reports_reader)
    seen, pages, query = [], [], {"range": "7", "col": ["call_id", "timestamp"]}
    response = client.get(URL, query)
    while True:
        page = response.context["page"]
        pages.append(page)
        seen.extend(row[1][0] for row in response.context["rows"])  # columns keep the report's order: call ID second
        if not page.next_cursor:
            break
        response = client.get(URL, {**query, "after": page.next_cursor})
    assert len(seen) == len(set(seen)) == 150 and len(pages) == 3
    back = client.get(URL, {**query, "before": pages[-1].previous_cursor})
    assert [row[1][0] for row in back.context["rows"]] == seen[50:100]
    assert back.context["page"].previous_cursor is not None
    first = client.get(URL, {**query, "before": back.context["page"].previous_cursor})
    assert [row[1][0] for row in first.context["rows"]] == seen[:50] and first.context["page"].is_first


@pytest.mark.parametrize("sort, field, reverse", [
    ("charge", "charge", False), ("-charge", "charge", True), ("display_name", "user_display_name", False),
    ("-duration", "duration_seconds", True), ("username", "user_principal_name", False), ("timestamp", "start_at", False),
])
def test_sorted_pages_walk_every_call_once_in_the_order_of_the_column(client_as, reports_reader, tenant, now, sort,
                                                                      field, reverse):
    names = ["Ana", "Ünal", "bob", "Zoë", ""]  # ties, an empty name, accents: the id breaks ties between pages
    for n in range(130):
        CallRecordFactory(tenant=tenant, start_at=now - timedelta(hours=n % 7, minutes=n % 3),
                          user_display_name=names[n % 5], user_principal_name=f"u{n % 4}@contoso.test",
                          charge=Decimal(n % 9) / 4, duration_seconds=60 + n % 11)
    client = client_as(reports_reader)
    query = {"range": "7", "col": ["call_id", "timestamp"], "sort": sort}
    seen, response = [], client.get(URL, query)
    while True:
        seen.extend(row[1][0] for row in response.context["rows"])
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        response = client.get(URL, {**query, "after": cursor})
    sign = "-" if reverse else ""  # one ordered query of every row (the database's collation), against the pages
    records = CallRecord.objects.filter(tenant=tenant).order_by(f"{sign}{field}", f"{sign}id")
    assert seen == [r.call_id for r in records] and len(seen) == 130
    back = client.get(URL, {**query, "before": response.context["page"].previous_cursor})
    assert [row[1][0] for row in back.context["rows"]] == seen[50:100]


def test_column_headings_sort_the_report_and_say_how(client_as, reports_reader, usage):
    client = client_as(reports_reader)
    page = client.get(URL, {"range": "28"}).content.decode()
    assert 'aria-sort="descending"><a class="sort-link" href="?range=28&amp;sort=timestamp">Time stamp (UTC)' in page
    assert '<a class="sort-link" href="?range=28&amp;sort=-charge">Charge</a>' in page
    by_charge = client.get(URL, {"range": "28", "sort": "-charge"})
    assert "by charge, largest first" in by_charge.content.decode()
    assert [row.get("charge") for row in by_charge.context["page"].rows][:2] == [Decimal("2.10"), Decimal("1.44")]
    bad = client.get(URL, {"range": "28", "sort": "price"})
    assert bad.status_code == 400 and "can&#x27;t be sorted by &#x27;price&#x27;" in bad.content.decode()


def _page_queries(client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(URL, {"range": "28", "call_type": "user_out"}).status_code == 200


def test_queries_do_not_grow_with_calls(client_as, reports_reader, tenant, now, django_assert_num_queries):
    client = client_as(reports_reader)
    CallRecordFactory.create_batch(3, tenant=tenant, start_at=now - timedelta(days=1))
    # session, user, tenant, roles; then one query for the page of rows and one for the totals
    _page_queries(client, django_assert_num_queries, 6)
    CallRecordFactory.create_batch(200, tenant=tenant, start_at=now - timedelta(days=2))
    _page_queries(client, django_assert_num_queries, 6)


@pytest.mark.parametrize("persona", ["global_admin", "reports_reader", "teams_comms_admin"])
def test_report_readers_may_open_every_report(client_as, request, persona):
    client = client_as(request.getfixturevalue(persona))
    for report in ("usage", "pools", "blocked"):
        assert client.get(URL, {"report": report}).status_code == 200


@pytest.mark.parametrize("persona", ["billing_admin", "license_admin", "user_admin"])
def test_other_admins_may_not_open_the_reports(client_as, request, persona):
    assert client_as(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_another_tenants_calls_never_show(client_as, other_tenant_admin, usage):
    response = client_as(other_tenant_admin).get(URL, {"range": "28"})
    assert response.context["totals"].calls == 1
    assert response.context["totals"].charge == Decimal("5.00")


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"range": "custom", "from": "today-10", "to": "today-19"}, "from", "is after the end date"),
    ({"range": "custom", "from": "yesterday", "to": "today-19"}, "from", "'yesterday' is not a date"),
    ({"range": "custom", "from": "2020-01-01", "to": "2020-02-01"}, "from", "Reports reach back one year"),
    ({"range": "365"}, "range", "is not a date range here"),
    ({"call_type": "user_sideways"}, "call_type", "'user_sideways' is not a call type"),
    ({"context": "Galactic"}, "context", "'Galactic' is not a Domestic/International value"),
    ({"country": "XX"}, "country", "'XX' is not a country or region code"),
    ({"capability": "MCOFREE"}, "capability", "'MCOFREE' is not a capability"),
    ({"username": "nobody@elsewhere.test"}, "username", "No user in your organization has the username"),
    ({"col": ["call_id", "salary"]}, "col", "'salary' is not a column of this report"),
    ({"after": "12x_4"}, "after", "The page link is not valid"),
    ({"report": "everything"}, "report", "'everything' is not a report here"),
])
def test_bad_input_is_a_400_naming_the_problem_and_shows_no_rows(client_as, reports_reader, query, field, message, clock):
    def on_the_clock(value):  # "today-10": the date ten days before the clock's today
        if isinstance(value, str) and value.startswith("today-"):
            return (clock.today() - timedelta(days=int(value.removeprefix("today-")))).isoformat()
        return value

    response = client_as(reports_reader).get(URL, {key: on_the_clock(value) for key, value in query.items()})
    assert response.status_code == 400
    assert message in response.context["errors"][field]
    assert "usage-table" not in response.content.decode()
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")


def test_a_username_of_another_tenant_is_unknown_here(client_as, reports_reader, other_tenant_admin):
    response = client_as(reports_reader).get(URL, {"username": other_tenant_admin.upn})
    assert response.status_code == 400 and "username" in response.context["errors"]


def test_edit_columns_panel_lists_every_column_and_keeps_the_run(client_as, reports_reader, usage):
    response = client_as(reports_reader).get(URL, {"range": "7", "call_type": "user_out", "panel": "columns"})
    body = response.content.decode()
    assert "Edit columns" in body and body.count('name="col"') == 18
    assert '<input type="hidden" name="call_type" value="user_out">' in body


def test_a_custom_range_is_kept_in_paging_links(client_as, reports_reader, tenant, now):
    CallRecordFactory.create_batch(60, tenant=tenant, start_at=now - timedelta(days=2))
    day = (now - timedelta(days=3)).date().isoformat()
    response = client_as(reports_reader).get(URL, {"range": "custom", "from": day, "to": now.date().isoformat()})
    assert f"range=custom&amp;from={day}" in response.content.decode()
    assert response.context["page"].next_cursor


def test_the_day_boundaries_are_utc_midnights(client_as, reports_reader, tenant):
    day = timezone.now().date() - timedelta(days=3)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    CallRecordFactory(tenant=tenant, start_at=midnight - timedelta(microseconds=1))
    CallRecordFactory(tenant=tenant, start_at=midnight)
    CallRecordFactory(tenant=tenant, start_at=midnight + timedelta(days=1) - timedelta(microseconds=1))
    CallRecordFactory(tenant=tenant, start_at=midnight + timedelta(days=1))
    response = client_as(reports_reader).get(URL, {"range": "custom", "from": day.isoformat(), "to": day.isoformat()})
    assert response.context["totals"].calls == 2
