"""Billing > Rates: who may open it, looking up a number, no upload for tenants, exports, tenant isolation, query
counts."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditLog
from billing.rating.models import RateDeckVersion

from .conftest import HEADER, deck_csv

RATES = reverse("rating:rates")
UPLOAD = "/billing/rates/upload/"  # gone: prices are the operator's
GREENLAND = "+299 321000"  # a valid number no row of the default deck covers


def upload(client, content, effective_from, name="Contoso rates", filename="contoso.csv"):
    return client.post(UPLOAD, {"name": name, "effective_from": effective_from.isoformat(),
                                "file": SimpleUploadedFile(filename, content, content_type="text/csv")})


@pytest.mark.parametrize("persona", ["global_admin", "billing_admin"])
def test_billing_and_global_admins_see_the_decks_in_effect(db, request, client_as, persona):
    response = client_as(request.getfixturevalue(persona)).get(RATES)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Rates</h1>" in body
    assert "Default rates" in body and "In effect" in body and "default_rates.csv" in body
    assert "Upload rates" not in body


@pytest.mark.parametrize("persona", ["license_admin", "user_admin", "reports_reader", "teams_comms_admin"])
def test_other_admin_roles_may_neither_see_nor_upload(db, request, client_as, persona, day_ahead):
    client = client_as(request.getfixturevalue(persona))

    assert client.get(RATES).status_code == 403
    assert upload(client, deck_csv("44,UK,GB,fixed,0.02,0.00,60,60"), day_ahead(1)).status_code == 404
    assert client.get(reverse("rating:rates_export")).status_code == 403
    assert RateDeckVersion.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(RATES)

    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_searching_a_number_shows_its_rate_and_where_it_comes_from(client_as, billing_admin):
    body = client_as(billing_admin).get(RATES, {"number": "+44 7400 123456"}).content.decode()

    assert "Rate for +44 7400 123456" in body
    assert "United Kingdom - Mobile" in body
    assert "<code>+447</code>" in body
    assert 'data-testid="price-per-minute">$0.0500<' in body
    assert "first 60 s, then every 60 s (rounded up)" in body
    assert "Default rates" in body and "Operator" in body


def test_searching_a_malformed_number_names_it(client_as, billing_admin):
    body = client_as(billing_admin).get(RATES, {"number": "+44 20"}).content.decode()

    assert "&#x27;+44 20&#x27; is not a valid phone number: too short for United Kingdom (+44)." in body


def test_searching_a_number_no_row_covers_says_calls_to_it_are_blocked(client_as, billing_admin):
    body = client_as(billing_admin).get(RATES, {"number": GREENLAND}).content.decode()

    assert "No rate in the decks in effect matches +299321000" in body
    assert "Greenland" in body


@pytest.mark.parametrize("persona", ["global_admin", "billing_admin"])
def test_tenant_admins_cannot_set_their_own_prices(db, request, client_as, persona, day_ahead):
    """A $0.0000 deck uploaded by a tenant would override the operator's price: only the operator imports decks."""
    client = client_as(request.getfixturevalue(persona))

    response = upload(client, deck_csv("44,Free UK,GB,fixed,0.0000,0.00,60,60"), day_ahead(1))

    assert response.status_code == 404
    assert RateDeckVersion.objects.count() == 1
    assert not AuditLog.objects.filter(action="rates.import").exists()


def test_a_version_exports_as_the_csv_it_came_from(client_as, billing_admin, import_deck, tenant, day_ahead):
    version = import_deck("447,Contoso UK mobile,GB,mobile,0.03,0.00,30,6", effective_from=day_ahead(2), tenant=tenant)

    response = client_as(billing_admin).get(reverse("rating:rates_export_version", args=[version.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="rates-{day_ahead(2):%Y-%m-%d}-v{version.pk}.csv"' in response["Content-Disposition"]
    assert response.content.decode() == f"{HEADER}\n447,Contoso UK mobile,GB,mobile,0.0300,0.00,30,6\n"


def test_another_tenants_deck_is_a_404_and_never_listed(client_as, billing_admin, other_tenant, import_deck, day_ahead):
    theirs = import_deck("447,Fabrikam UK mobile,GB,mobile,0.03,0.00,60,60", effective_from=day_ahead(2),
                         tenant=other_tenant, name="Fabrikam secret rates")
    client = client_as(billing_admin)

    assert client.get(reverse("rating:rates_export_version", args=[theirs.pk])).status_code == 404
    assert "Fabrikam secret rates" not in client.get(RATES, {"show": "all"}).content.decode()
    assert "Fabrikam" not in client.get(RATES, {"number": "+447400123456"}).content.decode()


def test_export_of_the_rates_in_effect_merges_the_organizations_rows(client_as, billing_admin, import_deck, tenant,
                                                                       day_ahead):
    import_deck("447,Contoso UK mobile,GB,mobile,0.0300,0.00,60,60", effective_from=day_ahead(0), tenant=tenant)

    lines = client_as(billing_admin).get(reverse("rating:rates_export")).content.decode().splitlines()

    assert lines[0] == HEADER
    assert len(lines) == 732
    assert "447,Contoso UK mobile,GB,mobile,0.0300,0.00,60,60" in lines
    assert "44,United Kingdom - Fixed,GB,fixed,0.0240,0.00,60,60" in lines


def test_statuses_follow_the_dates(client_as, billing_admin, import_deck, day_ahead):
    import_deck("44,UK,GB,fixed,0.0300,0.00,60,60", effective_from=day_ahead(0), name="Today deck")
    import_deck("44,UK,GB,fixed,0.0400,0.00,60,60", effective_from=day_ahead(9), name="First try")
    import_deck("44,UK,GB,fixed,0.0410,0.00,60,60", effective_from=day_ahead(9), name="Second try")
    client = client_as(billing_admin)

    current = client.get(RATES).content.decode()
    everything = client.get(RATES, {"show": "all"}).content.decode()

    assert "Today deck" in current and "Second try" in current
    assert "Default rates" not in current and "First try" not in current
    assert "Superseded" in everything and "Replaced" in everything and "Default rates" in everything


def test_the_page_runs_the_same_queries_however_many_versions_exist(client_as, billing_admin, import_deck, tenant,
                                                                    day_ahead, django_assert_num_queries):
    client = client_as(billing_admin)
    import_deck("44,UK,GB,fixed,0.0300,0.00,60,60", effective_from=day_ahead(1), tenant=tenant)
    client.get(RATES, {"show": "all", "number": "+442079460000"})
    # Session, admin, roles, tenant, the versions, the rate cache's generation check.
    with django_assert_num_queries(6):
        client.get(RATES, {"show": "all", "number": "+442079460000"})

    for n in range(2, 12):
        import_deck(f"44,UK,GB,fixed,0.{n:04d},0.00,60,60", effective_from=day_ahead(n), tenant=tenant)
        import_deck(f"33,France,FR,fixed,0.{n:04d},0.00,60,60", effective_from=day_ahead(n))
    client.get(RATES, {"show": "all", "number": "+442079460000"})
    with django_assert_num_queries(6):
        body = client.get(RATES, {"show": "all", "number": "+442079460000"}).content.decode()
    assert body.count('data-testid="deck-version"') == 22
