"""Spend by department, office, usage location or job title, per month: the page, its drill-down to a group's users
and a user's calls, CSV and XLSX, the dashboard's section and GET /api/v1/reports/spend, with totals worked out by
hand below (April 1 to June 19, 2026)."""
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from tests.reporting.factories import CallRecordFactory

D = Decimal
URL = reverse("reporting:spend")
PERIOD = {"range": "custom", "from": "2026-04-01", "to": "2026-06-19"}


def at(month, day, hour=10, minute=0, second=0):
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(autouse=True)
def june(clock):
    return clock.move_to(at(6, 20, 12))


@pytest.fixture
def people(tenant):
    found = {
        "ann": UserFactory(tenant=tenant, display_name="Ann Archer", department="Sales", office_location="Seattle"),
        "bob": UserFactory(tenant=tenant, display_name="Bob Baker", department="Sales", usage_location="GB"),
        "cy": UserFactory(tenant=tenant, display_name="Cy Cole", department="Support", office_location="Redmond"),
        "dee": UserFactory(tenant=tenant, display_name="Dee Dunn", department=""),
    }
    calls = [("ann", at(4, 10), "1.00"), ("ann", at(5, 5), "2.50"), ("ann", at(6, 1), "0.25"), ("ann", at(6, 3), "0.00"),
             ("bob", at(5, 20), "3.00"), ("cy", at(4, 30, 23, 59, 59), "4.00"), ("cy", at(6, 19, 23), "1.00"),
             ("dee", at(6, 2), "0.75"), (None, at(5, 1), "0.40"),
             ("ann", at(6, 20, 0), "9.00"), ("ann", at(3, 31, 23, 59, 59), "9.00")]  # outside the period
    for who, start, charge in calls:
        CallRecordFactory(tenant=tenant, user=found[who] if who else None, start_at=start, charge=D(charge),
                          call_type="user_out" if who else "unassigned_in", capability="MCOPSTNPP")
    return found


def test_spend_by_department_per_month(client_as, billing_admin, people):
    page = client_as(billing_admin).get(URL, {"by": "department", **PERIOD})
    table = page.context["table"]
    assert [f"{month:%b}" for month in table.months] == ["Apr", "May", "Jun"]
    assert [(row.label, row.months, row.total, row.calls) for row in table.rows] == [
        ("Sales", (D("1.00"), D("5.50"), D("0.25")), D("6.75"), 4),
        ("Support", (D("4.00"), D("0.00"), D("1.00")), D("5.00"), 2),
        ("No department", (D("0.00"), D("0.00"), D("0.75")), D("0.75"), 1),
        ("No user (service numbers)", (D("0.00"), D("0.40"), D("0.00")), D("0.40"), 1)]
    assert (table.totals, table.total, table.calls) == ((D("5.00"), D("5.90"), D("2.00")), D("12.90"), 8)
    text = page.content.decode()
    assert "by=department&amp;range=custom&amp;from=2026-04-01&amp;to=2026-06-19&amp;group=Sales" in text
    assert "group=%7Eservice" not in text  # the service numbers' row has no users to open


def test_any_user_attribute_groups_the_spend(client_as, billing_admin, people):
    client = client_as(billing_admin)
    table = client.get(URL, {"by": "usage_location", **PERIOD}).context["table"]
    assert [(row.label, row.total) for row in table.rows] == [
        ("United States of America", D("9.50")), ("United Kingdom", D("3.00")), ("No user (service numbers)", D("0.40"))]
    table = client.get(URL, {"by": "office", **PERIOD}).context["table"]
    assert [(row.label, row.total) for row in table.rows] == [
        ("Redmond", D("5.00")), ("No office", D("3.75")), ("Seattle", D("3.75")), ("No user (service numbers)", D("0.40"))]


def test_a_department_opens_on_its_users_and_a_user_on_their_calls(client_as, billing_admin, people):
    client = client_as(billing_admin)
    users = client.get(URL, {"by": "department", "group": "Sales", **PERIOD})
    table = users.context["table"]
    assert [(row.label, row.months, row.total) for row in table.rows] == [
        ("Ann Archer", (D("1.00"), D("2.50"), D("0.25")), D("3.75")), ("Bob Baker", (D("0.00"), D("3.00"), D("0.00")),
                                                                         D("3.00"))]
    assert f"user={people['ann'].pk}" in users.content.decode()
    calls = client.get(URL, {"by": "department", "group": "Sales", "user": people["ann"].pk, **PERIOD})
    assert [record.charge for record in calls.context["page"]] == [D("0.25"), D("2.50"), D("1.00")]
    assert "Sales: spend by user" in users.content.decode() and "Ann Archer: calls paid from credits" in calls.content.decode()
    blank = client.get(URL, {"by": "department", "group": "~blank", **PERIOD}).context["table"]
    assert [row.label for row in blank.rows] == ["Dee Dunn"]


def test_csv_and_xlsx_exports_hold_the_table(client_as, billing_admin, people):
    client = client_as(billing_admin)
    response = client.get(URL, {"by": "department", "format": "csv", **PERIOD})
    assert response["Content-Disposition"] == 'attachment; filename="spend-by-department-2026-06-20.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Department", "2026-04", "2026-05", "2026-06", "Total", "Calls"]
    assert rows[1] == ["Sales", "1.00", "5.50", "0.25", "6.75", "4"]
    assert rows[-1] == ["Total", "5.00", "5.90", "2.00", "12.90", "8"]
    response = client.get(URL, {"by": "department", "group": "Sales", "format": "xlsx", **PERIOD})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Username", "2026-04", "2026-05", "2026-06", "Total", "Calls"]
    assert values[1][0] == people["ann"].upn and values[1][4] == 3.75
    assert values[-1] == ["Total", 1, 5.5, 0.25, 6.75, 4]


def test_a_name_that_looks_like_a_formula_is_written_as_text(client_as, billing_admin, tenant):
    user = UserFactory(tenant=tenant, department="=HYPERLINK(\"http://evil\")")
    CallRecordFactory(tenant=tenant, user=user, start_at=at(6, 1), charge=D("1.00"), capability="MCOPSTNPP")
    rows = list(csv.reader(io.StringIO(client_as(billing_admin).get(
        URL, {"by": "department", "format": "csv", **PERIOD}).content.decode())))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")"


def test_the_pages_read_the_same_number_of_queries_whatever_the_calls(client_as, billing_admin, tenant, people):
    client = client_as(billing_admin)
    levels = [{"by": "department", **PERIOD}, {"by": "department", "group": "Sales", **PERIOD},
              {"by": "department", "group": "Sales", "user": people["ann"].pk, **PERIOD}]
    counts = []
    for extra in (0, 30):
        for n in range(extra):
            person = UserFactory(tenant=tenant, department=f"Team {n % 4}" if n % 3 else "Sales")
            CallRecordFactory(tenant=tenant, user=person, start_at=at(4 + n % 3, 1 + n % 27), charge=D("0.10"),
                              capability="MCOPSTNPP")
            CallRecordFactory(tenant=tenant, user=people["ann"], start_at=at(5, 1 + n % 27), charge=D("0.20"),
                              capability="MCOPSTNPP")
        found = []
        for params in levels:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(URL, params).status_code == 200
            found.append(len(queries))
        counts.append(found)
    assert counts[0] == counts[1]


def test_the_dashboard_lists_departments_that_open_on_their_users(client_as, billing_admin, people):
    page = client_as(billing_admin).get(reverse("reporting:credits_dashboard"), PERIOD)
    assert [(row.label, row.total) for row in page.context["departments"]][:2] == [("Sales", D("6.75")),
                                                                                    ("Support", D("5.00"))]
    assert "reports/credits/spend/?by=department&amp;range=custom&amp;from=2026-04-01&amp;to=2026-06-19&amp;group=Sales" in (
        page.content.decode())


def test_the_api_gives_the_groups_and_a_groups_users(api_client_for, tenant, billing_admin, people):
    api = api_client_for(tenant, billing_admin)
    body = api.get("/api/v1/reports/spend", {"groupBy": "department", **PERIOD}).json()
    assert (body["groupBy"], body["fromDate"], body["toDate"], body["months"]) == (
        "department", "2026-04-01", "2026-06-19", ["2026-04", "2026-05", "2026-06"])
    assert body["value"][0] == {"key": "Sales", "label": "Sales", "months": {"2026-04": "1.00", "2026-05": "5.50",
                                                                             "2026-06": "0.25"},
                                "total": "6.75", "calls": 4}
    assert body["totals"] == {"months": {"2026-04": "5.00", "2026-05": "5.90", "2026-06": "2.00"}, "total": "12.90",
                              "calls": 8}
    users = api.get("/api/v1/reports/spend", {"groupBy": "department", "group": "Sales", **PERIOD}).json()
    assert [(row["userPrincipalName"], row["total"]) for row in users["value"]] == [
        (people["ann"].upn, "3.75"), (people["bob"].upn, "3.00")]


@pytest.mark.parametrize(("params", "message"), [
    ({"by": "colour"}, "Group spend by department, office, usage location, job title."),
    ({"range": "custom", "from": "2026-01-01", "to": "2025-01-01"}, "is after the end date"),
    ({"format": "pdf"}, "Export as csv or xlsx."),
])
def test_bad_choices_are_named_and_the_defaults_shown(client_as, billing_admin, params, message):
    response = client_as(billing_admin).get(URL, params)
    assert response.status_code == 400 and message in response.content.decode()


def test_bad_api_input_is_a_400_naming_the_parameter(api_client_for, tenant, billing_admin):
    api = api_client_for(tenant, billing_admin)
    assert "groupBy" in api.get("/api/v1/reports/spend", {"groupBy": "x"}).json()["error"]["message"]
    assert api.get("/api/v1/reports/spend", {"group": "~service"}).status_code == 400
    assert api.get("/api/v1/reports/spend", {"range": "7"}).status_code == 400


def test_roles_and_other_tenants(client_as, reports_reader, user_admin, billing_admin, other_tenant_admin, people):
    assert client_as(reports_reader).get(URL).status_code == 200
    assert client_as(user_admin).get(URL).status_code == 403
    client = client_as(billing_admin)
    assert client.get(URL, {"group": "Sales", "user": other_tenant_admin.pk}).status_code == 404
    assert client.get(URL, {"group": "Sales", "user": "not-a-uuid"}).status_code == 404
    assert client.get(URL, {"group": "~service"}).status_code == 404
