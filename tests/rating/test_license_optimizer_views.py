"""Billing > License optimizer, its CSV, GET /api/v1/license-optimizer and the what-if from the user's panel: the
hand-worked history of test_license_optimizer (Ann to Pay-As-You-Go, Bob to Domestic: $16.15 a month)."""
import csv
import io
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.rating.services import call_records_import
from tests.rating.factories import add_credits, make_caller

US_FIXED = "+14255550100"


@pytest.fixture(autouse=True)
def june(clock):
    return clock.move_to(datetime(2026, 6, 20, 12, tzinfo=UTC))


def import_calls(tenant, user, count, minutes, callee=US_FIXED, first=date(2026, 6, 1), prefix=""):
    rows = [{"call_id": f"{prefix}{user.upn}-{n}", "call_type": "user_out", "user_principal_name": user.upn,
             "callee_number": callee, "duration_seconds": minutes * 60,
             "start_at": datetime(first.year, first.month, first.day, 10, tzinfo=UTC) + timedelta(days=n)}
            for n in range(count)]
    assert call_records_import(tenant=tenant, rows=rows, actor=None).errors == []


@pytest.fixture
def history(tenant):
    add_credits(tenant, "1000.00")
    people = {
        "ann": make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Ann Archer", upn="ann@contoso.test"),
        "bob": make_caller(tenant, "MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC", display_name="Bob Baker", upn="bob@contoso.test"),
        "cy": make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Cy Cole", upn="cy@contoso.test"),
    }
    import_calls(tenant, people["ann"], 10, 10)
    import_calls(tenant, people["bob"], 19, 50)
    import_calls(tenant, people["cy"], 4, 50, callee="+442079460000")
    import_calls(tenant, people["cy"], 10, 50, first=date(2026, 6, 5), prefix="us-")
    return people


def test_the_page_shows_the_saving_the_changes_and_the_licenses(client_as, billing_admin, history):
    page = client_as(billing_admin).get(reverse("rating:license_optimizer") + "?days=30").content.decode()
    assert 'data-testid="optimizer-now">$50.85<' in page
    assert 'data-testid="optimizer-recommended">$34.70<' in page
    assert 'data-testid="optimizer-saving">$16.15<' in page
    assert "Bob Baker" in page and "Ann Archer" in page and "Cy Cole" not in page.split("optimizer-changes")[1]
    assert "$4.00 → $12.00" in page and "$18.05 → $0.00" in page


def test_the_page_reads_the_same_number_of_queries_whatever_the_calls(client_as, billing_admin, tenant, history):
    client = client_as(billing_admin)
    url = reverse("rating:license_optimizer") + "?days=30"
    client.get(url)  # the process's caches (catalogue entitlements, rate tables) warm
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    dee = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", country="GB", display_name="Dee")
    import_calls(tenant, dee, 19, 30, callee="+442079460000")
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_csv_has_a_row_per_change(client_as, billing_admin, history):
    response = client_as(billing_admin).get(reverse("rating:license_optimizer_csv") + "?days=30")
    assert response["Content-Disposition"] == 'attachment; filename="license-optimizer-30-days-2026-06-20.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["Username"], row["License cost now (a month)"], row["Recommended license cost (a month)"],
             row["Saving (a month)"]) for row in rows] == [("bob@contoso.test", "4.00", "12.00", "10.05"),
                                                          ("ann@contoso.test", "12.00", "4.00", "6.10")]


def test_a_window_other_than_30_or_90_days_is_refused(client_as, billing_admin, api_client_for, tenant):
    client = client_as(billing_admin)
    page = client.get(reverse("rating:license_optimizer") + "?days=45")
    assert page.status_code == 400 and "Give days as 30 or 90" in page.content.decode()
    assert client.get(reverse("rating:license_optimizer_csv") + "?days=x").status_code == 400
    response = api_client_for(tenant, billing_admin).get("/api/v1/license-optimizer?days=7")
    assert response.status_code == 400 and "days: Give days as 30 or 90" in response.json()["error"]["message"]


def test_the_api_gives_the_recommendation(api_client_for, tenant, billing_admin, history):
    body = api_client_for(tenant, billing_admin).get("/api/v1/license-optimizer?days=30").json()
    assert (body["status"], body["days"], body["fromDate"], body["toDate"], body["calls"]) == (
        "ok", 30, "2026-05-21", "2026-06-19", 43)
    assert body["current"] == {"licenses": "28.00", "credits": "22.85", "total": "50.85"}
    assert body["recommended"] == {"licenses": "28.00", "credits": "6.70", "total": "34.70"}
    assert body["savingPerMonth"] == "16.15"
    assert [(c["userPrincipalName"], c["saving"]) for c in body["changes"]] == [("bob@contoso.test", "10.05"),
                                                                                ("ann@contoso.test", "6.10")]
    assert {line["skuPartNumber"]: (line["assign"], line["remove"]) for line in body["licenses"]} == {
        "MCOPSTN1": (1, 1), "MCOPSTN_PAYG_1": (1, 1)}


def test_a_tenant_without_calls_gets_not_enough_history(api_client_for, tenant, billing_admin, client_as):
    body = api_client_for(tenant, billing_admin).get("/api/v1/license-optimizer").json()
    assert body["status"] == "notEnoughHistory" and body["days"] == 90 and "no calls were made" in body["message"]
    page = client_as(billing_admin).get(reverse("rating:license_optimizer")).content.decode()
    assert 'data-testid="optimizer-not-enough"' in page


def test_the_what_if_page_and_api(client_as, billing_admin, api_client_for, tenant, history):
    bob = history["bob"]
    page = client_as(billing_admin).get(reverse("rating:license_what_if", args=[bob.pk]) + "?option=domestic&days=30")
    text = page.content.decode()
    assert page.status_code == 200 and "Your organization would save <strong>$10.05</strong> a month." in text
    body = api_client_for(tenant, billing_admin).get(
        f"/api/v1/license-optimizer/what-if?userId={bob.pk}&option=domestic&days=30").json()
    assert (body["licenseCostNow"], body["creditsNow"], body["licenseCostWhatIf"], body["creditsWhatIf"],
            body["organizationSaving"]) == ("4.00", "18.05", "12.00", "0.00", "10.05")


def test_a_what_if_with_a_license_the_users_location_cannot_have_says_so(client_as, billing_admin, api_client_for, tenant):
    aki = make_caller(tenant, "MCOEV", "MCOPSTNC", "MCOMEETADV", country="JP", display_name="Aki")
    aki.usage_location = "IN"
    aki.save()
    page = client_as(billing_admin).get(reverse("rating:license_what_if", args=[aki.pk]) + "?option=domestic_international")
    assert page.status_code == 400
    assert ("Domestic and International Calling Plan isn't available for users whose usage location is India."
            in unescape(page.content.decode()))
    response = api_client_for(tenant, billing_admin).get(f"/api/v1/license-optimizer/what-if?userId={aki.pk}&option=payg")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ProhibitedInUsageLocationViolation"


def test_another_tenants_user_is_not_found_and_roles_are_checked(client_as, billing_admin, reports_reader, api_client_for,
                                                                 tenant, other_tenant_admin):
    url = reverse("rating:license_what_if", args=[other_tenant_admin.pk])
    assert client_as(billing_admin).get(url).status_code == 404
    response = api_client_for(tenant, billing_admin).get(
        f"/api/v1/license-optimizer/what-if?userId={other_tenant_admin.pk}&option=payg")
    assert response.status_code == 404
    assert api_client_for(tenant, billing_admin).get("/api/v1/license-optimizer/what-if?userId=nope&option=payg"
                                                     ).status_code == 404
    reader = client_as(reports_reader)
    assert reader.get(reverse("rating:license_optimizer")).status_code == 403
    assert reader.get("/api/v1/license-optimizer").status_code == 403


def test_the_users_panel_offers_the_what_if_to_admins_who_read_billing(client_as, global_admin, user_admin, history):
    bob = history["bob"]
    url = reverse("licensing:user_panel", args=[bob.pk])
    assert 'data-testid="what-if-link"' in client_as(global_admin).get(url).content.decode()
    assert 'data-testid="what-if-link"' not in client_as(user_admin).get(url).content.decode()
