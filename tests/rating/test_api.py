"""GET /api/v1/rates: the matching row in camelCase, Graph-style errors, roles and tenant decks."""
import pytest
from rest_framework.test import APIClient

from .conftest import noon

URL = "/api/v1/rates"


def test_a_token_gets_the_matching_row_and_what_the_number_is(tenant, api_client_for):
    response = api_client_for(tenant).get(URL, {"number": "+44 20 7946 0000", "at": "2024-05-01T09:30:00Z"})

    assert response.status_code == 200
    assert response.json() == {
        "prefix": "44",
        "destination": "United Kingdom - Fixed",
        "country": "GB",
        "numberType": "fixed",
        "pricePerMinute": "0.0240",
        "connectionFee": "0.00",
        "currency": "USD",
        "firstIncrement": 60,
        "increment": 60,
        "deckVersion": response.json()["deckVersion"],
        "deckName": "Default rates",
        "deckScope": "global",
        "effectiveFrom": "2020-01-01",
        "ratedAt": "2024-05-01T09:30:00Z",
        "number": {"e164": "+442079460000", "international": "+44 20 7946 0000", "country": "GB",
                   "countryName": "United Kingdom", "numberType": "fixed"},
    }
    assert isinstance(response.json()["deckVersion"], int)


def test_an_unencoded_plus_still_reads_as_an_international_number(tenant, api_client_for):
    response = api_client_for(tenant).get(f"{URL}?number=+447400123456")

    assert response.status_code == 200
    assert (response.json()["prefix"], response.json()["numberType"]) == ("447", "mobile")


def test_a_billing_admin_session_may_ask(client_as, billing_admin):
    response = client_as(billing_admin).get(URL, {"number": "+18005550100"})

    assert response.status_code == 200
    assert response.json()["numberType"] == "toll-free"


@pytest.mark.parametrize("persona", ["reports_reader", "license_admin", "teams_comms_admin"])
def test_other_roles_get_a_graph_style_403(db, request, persona):
    api = APIClient()
    api.force_login(request.getfixturevalue(persona))

    response = api.get(URL, {"number": "+442079460000"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"


def test_no_credentials_get_a_graph_style_401(db):
    response = APIClient().get(URL, {"number": "+442079460000"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"number": "+44 20"}, "number: '+44 20' is not a valid phone number: too short for United Kingdom (+44)."),
        ({"number": "hello"}, "number: 'hello' is not a valid phone number: use digits in international format"),
        ({"number": "+447700900123"}, "number: '+447700900123' is not a valid phone number: no such number range"),
        ({}, "number: give the number to rate, for example ?number=%2B442079460000."),
        ({"number": "+442079460000", "at": "yesterday"}, "at: 'yesterday' is not a date and time with a time zone"),
        ({"number": "+442079460000", "at": "2026-08-01T09:30:00"}, "at: '2026-08-01T09:30:00' is not a date and time"),
    ],
)
def test_bad_input_is_a_graph_style_400_naming_it(tenant, api_client_for, params, message):
    response = api_client_for(tenant).get(URL, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert error["message"].startswith(message)


def test_a_number_no_row_covers_is_a_graph_style_404(tenant, api_client_for):
    response = api_client_for(tenant).get(URL, {"number": "+299321000", "at": "2024-05-01T09:30:00Z"})

    assert response.status_code == 404
    assert response.json() == {"error": {
        "code": "Request_ResourceNotFound",
        "message": "No rate matches +299321000 in the rate decks in effect on 2024-05-01; calls to it can't be rated."}}


def test_the_callers_own_deck_and_the_time_asked_for_apply(tenant, other_tenant, api_client_for, import_deck, day_ahead):
    version = import_deck("447,Contoso UK mobile,GB,mobile,0.0300,0.05,30,6", effective_from=day_ahead(4),
                          tenant=tenant, name="Contoso deck")
    later = noon(day_ahead(4)).isoformat()

    ours = api_client_for(tenant).get(URL, {"number": "+447400123456", "at": later}).json()
    now = api_client_for(tenant).get(URL, {"number": "+447400123456"}).json()
    theirs = api_client_for(other_tenant).get(URL, {"number": "+447400123456", "at": later}).json()

    assert (ours["deckVersion"], ours["deckScope"], ours["pricePerMinute"], ours["connectionFee"]) == (
        version.pk, "tenant", "0.0300", "0.05")
    assert (ours["firstIncrement"], ours["increment"], ours["effectiveFrom"]) == (30, 6, day_ahead(4).isoformat())
    assert now["deckName"] == theirs["deckName"] == "Default rates"
