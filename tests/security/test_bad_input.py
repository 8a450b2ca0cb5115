"""No server error on any input: each class of bad input answers 400 naming the field (pages: the error shown), in
query strings, forms and JSON bodies alike, and nothing is half applied (issue 15, "No 500 on any input")."""
import datetime
import json
from decimal import Decimal

import pytest

from accounts.models import AuditLog, User
from billing.credits.models import LedgerEntry, PaymentMethod
from billing.rating.models import CallRecord
from licensing.models import Subscription
from tests.factories import UserFactory
from tests.licensing.factories import SubscriptionFactory, product
from tests.rating.factories import UK_MOBILE, add_credits, make_caller

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
SEARCH_BOXES = [  # (page, its search box or filter, the id of the field's error; None: the summary only)
    ("/users/active/", "q", "user-search-error"), ("/users/active/manage-licenses/", "q", "user-search-error"),
    ("/settings/audit-log/", "q", "audit-search-error"), ("/reports/pstn-usage/", "username", "filter-username-error"),
    ("/billing/bills/", "from", "f-from-input-error"), ("/billing/bills/", "status", "f-status-input-error"),
    ("/billing/credits/transactions/", "type", "tx-type-input-error"),
    ("/billing/credits/transactions/", "to", "tx-to-input-error"),
    ("/billing/licenses/", "q", None), ("/reports/credits/spend/", "group", None), ("/settings/audit-log/", "action", None),
]


def _graph_error(response, status=400):
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    return error["message"]


@pytest.fixture
def api(api_client_for, tenant, global_admin):
    return api_client_for(tenant, global_admin)


@pytest.fixture
def adele(tenant):
    return UserFactory(tenant=tenant, upn="adele@contoso.test", display_name="Adele Vance", job_title="Engineer")


# --- NUL bytes ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,name,error_id", SEARCH_BOXES)
def test_nul_in_a_search_box_re_renders_the_page_with_the_error_at_the_field(client_as, global_admin, path, name,
                                                                             error_id):
    response = client_as(global_admin).get(path, {name: NUL})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="content"' in body and "<form" in body  # the page itself, not the bare error page
    assert "Check what you entered" in body and f"<strong>{name}</strong>: Must not contain NUL" in body
    if error_id:
        assert f'aria-describedby="{error_id}"' in body
        assert f'<p class="field-error" id="{error_id}" role="alert">Must not contain NUL' in body


def test_nul_in_the_license_holders_search_shows_the_error_at_the_box(client_as, global_admin, tenant):
    subscription = SubscriptionFactory(tenant=tenant, product=product("MCOPSTN1"), enabled_units=5)
    response = client_as(global_admin).get(f"/billing/licenses/{subscription.pk}/", {"q": NUL})
    assert response.status_code == 400
    assert '<p class="field-error" id="holders-search-error" role="alert">Must not contain NUL' in response.content.decode()


def test_a_nul_search_keeps_the_other_filters(client_as, global_admin):
    response = client_as(global_admin).get("/settings/audit-log/", {"q": NUL, "activity": "nonsense"})
    assert response.status_code == 400
    assert response.wsgi_request.GET.dict() == {"activity": "nonsense"}


@pytest.mark.parametrize("path,params", [
    ("/v1.0/users", {"$filter": "startswith(displayName,'a\x00')"}),
    ("/v1.0/users/$count", {"$filter": "displayName eq '\x00'"}),
    ("/api/v1/reports/spend", {"group": NUL}),
])
def test_nul_in_an_api_query_is_a_graph_400_naming_the_parameter(api, path, params):
    message = _graph_error(api.get(path, params, HTTP_CONSISTENCYLEVEL="eventual"))
    assert message.startswith(f"{next(iter(params))}:") and "NUL" in message


def test_nul_in_a_user_id_is_a_400(api):
    assert "NUL" in _graph_error(api.get("/v1.0/users/a%00b"))
    assert "NUL" in _graph_error(api.get("/v1.0/users/a%00b/licenseDetails"))


def test_nul_in_job_title_is_refused_and_nothing_changes(api, adele):
    message = _graph_error(api.patch(f"/v1.0/users/{adele.pk}", {"jobTitle": "Boss\u0000", "department": "Sales"},
                                     format="json"))
    assert "jobTitle" in message and "NUL" in message
    adele.refresh_from_db()
    assert (adele.job_title, adele.department) == ("Engineer", "")


def test_nul_in_holder_name_and_sku_part_number_is_refused(api, tenant):
    message = _graph_error(api.post("/api/v1/payment-methods", {
        "type": "card", "number": "4242424242424242", "expMonth": 12, "expYear": 2030, "holderName": "A\u0000"},
        format="json"))
    assert "holderName" in message
    assert "skuPartNumber" in _graph_error(api.post("/api/v1/subscriptions", {"skuPartNumber": "MCO\u0000PSTN1",
                                                                              "quantity": 1}, format="json"))
    assert not PaymentMethod.objects.filter(tenant=tenant).exists()
    assert not Subscription.objects.filter(tenant=tenant).exists()


def test_nul_in_user_principal_name_on_a_call_is_a_400(api, tenant, calling_deck, now):
    make_caller(tenant, "MCOEV", "MCOPSTNC", upn="ada@contoso.test")
    message = _graph_error(api.post("/api/v1/calls/authorize", {
        "callId": "nul-1", "callType": "user_out", "userPrincipalName": "ada@contoso.test\u0000",
        "calleeNumber": UK_MOBILE, "startDateTime": now.isoformat()}, format="json"))
    assert "userPrincipalName" in message and "NUL" in message


def test_nul_in_a_form_field_re_renders_the_page_with_the_error(client_as, global_admin, tenant):
    response = client_as(global_admin).post("/settings/", {"name": "Plat\x00form", "scopes": ["calls"]})
    assert response.status_code in (200, 400)
    assert "Null characters are not allowed" in response.content.decode() or "NUL" in response.content.decode()
    assert not tenant.api_tokens.exists()


# --- strings longer than their column -------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,limit", [
    ("displayName", "D" * 300, 256), ("department", "S" * 100, 64), ("jobTitle", "J" * 129, 128)])
def test_graph_strings_longer_than_their_column_are_a_400_naming_the_field(api, adele, field, value, limit):
    message = _graph_error(api.patch(f"/v1.0/users/{adele.pk}", {field: value}, format="json"))
    assert message.startswith(f"{field}:") and f"at most {limit} characters" in message
    adele.refresh_from_db()
    assert adele.display_name == "Adele Vance"


def test_a_400_character_upn_creates_nobody(api, tenant):
    upn = "u" * 380 + "@contoso.test"
    message = _graph_error(api.post("/v1.0/users", {
        "accountEnabled": True, "displayName": "Long", "mailNickname": "long", "userPrincipalName": upn,
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}}, format="json"))
    assert "userPrincipalName" in message and "at most 320" in message
    assert not User.objects.filter(display_name="Long").exists()


def test_a_400_character_upn_on_a_call_is_a_400(api, tenant, calling_deck, now):
    message = _graph_error(api.post("/api/v1/calls/authorize", {
        "callId": "long-1", "callType": "user_out", "userPrincipalName": "u" * 400, "calleeNumber": UK_MOBILE,
        "startDateTime": now.isoformat()}, format="json"))
    assert "userPrincipalName" in message and "at most 320" in message


# --- Unicode digits that str.isdigit() accepts and int() refuses ----------------------------------------------------

@pytest.mark.parametrize("path,name", [
    ("/api/v1/invoices", "$top"),
    ("/api/v1/invoices", "$skip"), ("/api/v1/credits/transactions", "$top"),
    ("/api/v1/credits/transactions", "$skiptoken"), ("/api/v1/reports/spend", "range"),
    ("/api/v1/license-optimizer", "days"),
])
def test_unicode_digits_in_api_paging_and_ranges_are_a_400(api, path, name):
    assert name in _graph_error(api.get(path, {name: "²"}))


def test_unicode_digits_in_graph_top_get_graphs_words(api):
    assert "Invalid page size specified: '²'" in _graph_error(api.get("/v1.0/users", {"$top": "²"}))


@pytest.mark.parametrize("path,name", [
    ("/reports/pstn-usage/", "range"), ("/reports/credits/", "range"), ("/reports/credits/spend/", "range"),
    ("/billing/license-optimizer/", "days"), ("/reports/pstn-usage/", "after"), ("/reports/pstn-usage/", "before"),
])
def test_unicode_digits_in_report_ranges_and_cursors_show_the_error(client_as, global_admin, path, name):
    response = client_as(global_admin).get(path, {name: "²"})
    assert response.status_code in (200, 400)
    body = response.content.decode()
    assert "field-error" in body or "msgbar error" in body or "not valid" in body


def test_unicode_digits_in_a_card_number_are_refused(api, tenant):
    message = _graph_error(api.post("/api/v1/payment-methods", {
        "type": "card", "number": "424242424242424²", "expMonth": 12, "expYear": 2030, "holderName": "Ada"},
        format="json"))
    assert message.startswith("number:")
    assert not PaymentMethod.objects.filter(tenant=tenant).exists()


# --- dates outside Python's range or with extreme offsets -----------------------------------------------------------

@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_instants_outside_python_range_are_a_400(api, value):
    for name in ("fromDateTime", "toDateTime"):
        message = _graph_error(api.get("/api/v1/credits/transactions", {name: value}))
        assert message.startswith(f"{name}:") and "outside the supported range" in message


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_call_starting_outside_python_range_is_a_400(api, tenant, calling_deck, value):
    make_caller(tenant, "MCOEV", "MCOPSTNC", upn="ada@contoso.test")
    message = _graph_error(api.post("/api/v1/calls/authorize", {
        "callId": "edge-1", "callType": "user_out", "userPrincipalName": "ada@contoso.test",
        "calleeNumber": UK_MOBILE, "startDateTime": value}, format="json"))
    assert message.startswith("startDateTime:")


def test_report_to_9999_and_a_huge_cursor_show_the_error(client_as, global_admin):
    client = client_as(global_admin)
    response = client.get("/reports/pstn-usage/", {"range": "custom", "from": "2026-06-01", "to": "9999-12-31"})
    assert response.status_code == 400 and "at most one year long" in response.content.decode()
    for name in ("after", "before"):
        response = client.get("/reports/pstn-usage/", {name: "99999999999999999999_1"})
        assert "The page link is not valid" in response.content.decode()


# --- wrong JSON types -----------------------------------------------------------------------------------------------

def test_holder_name_as_an_array_is_a_400(api, tenant):
    message = _graph_error(api.post("/api/v1/payment-methods", {
        "type": "card", "number": "4242424242424242", "expMonth": 12, "expYear": 2030, "holderName": [None, None]},
        format="json"))
    assert message.startswith("holderName:") and "not an array" in message
    assert not PaymentMethod.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize("field,value", [("displayName", ["x"]), ("department", {"a": 1}), ("jobTitle", 12)])
def test_graph_profile_fields_of_the_wrong_type_are_a_400(api, adele, field, value):
    message = _graph_error(api.patch(f"/v1.0/users/{adele.pk}", {field: value}, format="json"))
    assert message.startswith(f"{field}:")


# --- the call import: a bad row is a row error, the valid rows are charged ------------------------------------------

def test_import_reports_bad_rows_and_charges_the_valid_ones(api, tenant, calling_deck, now):
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")
    add_credits(tenant, "10.00")
    start = (now - datetime.timedelta(hours=1)).isoformat()

    def row(call_id, **extra):
        return {"callId": call_id, "callType": "user_out", "userPrincipalName": "ada@contoso.test",
                "calleeNumber": UK_MOBILE, "startDateTime": start, "durationSeconds": 61, **extra}

    response = api.post("/api/v1/calls/import", data=json.dumps({"value": [
        row("good-1"),
        row("bad-date", startDateTime="9999-12-31T23:59:59-14:00"),
        row("bad-end", endDateTime="0001-01-01T00:00:00+14:00", durationSeconds=None),
        row("bad-nul", userPrincipalName="ada@contoso.test\u0000"),
        row("bad-type", operator=["x"]),
        row("bad-long", conferenceId="c" * 200),
        row("good-2"),
    ]}), content_type="application/json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["imported"] == 2 and Decimal(body["charged"]) > 0
    errors = {(e["callId"], e["field"]) for e in body["errors"]}
    assert errors >= {("bad-date", "startDateTime"), ("bad-end", "endDateTime"), ("bad-nul", "userPrincipalName"),
                      ("bad-type", "operator"), ("bad-long", "conferenceId")}
    assert {call_id for call_id, _ in errors} == {"bad-date", "bad-end", "bad-nul", "bad-type", "bad-long"}
    assert set(CallRecord.objects.filter(tenant=tenant).values_list("call_id", flat=True)) == {"good-1", "good-2"}
    assert LedgerEntry.objects.filter(kind="call_charge").count() == 2
    assert AuditLog.objects.filter(action="rating.call_records_import").count() == 1


def test_a_page_form_with_strings_longer_than_their_column_is_re_rendered_with_the_errors(client_as, global_admin,
                                                                                           adele):
    response = client_as(global_admin).post(f"/users/active/{adele.pk}/edit/", {
        "display_name": "D" * 300, "department": "S" * 100, "job_title": "Engineer"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 256 characters (it has 300)." in body
    assert "Ensure this value has at most 64 characters (it has 100)." in body
    adele.refresh_from_db()
    assert (adele.display_name, adele.department) == ("Adele Vance", "")


def test_a_card_number_of_unicode_digits_on_the_page_is_refused_on_its_field(client_as, global_admin, tenant):
    response = client_as(global_admin).post("/billing/payment-methods/add/", {
        "type": "card", "number": "４２４２４２４２４２４２４２４２", "exp_month": "12", "exp_year": "2030", "cvc": "123",
        "holder_name": "Ada"})
    assert response.status_code in (200, 400)
    assert "Enter a valid card number" in response.content.decode()
    assert not PaymentMethod.objects.filter(tenant=tenant).exists()


# --- found walking the list again: each answered a 500 before ---------------------------------------------------------

@pytest.mark.parametrize("call", [
    "(fromDateTime=9999-12-30T00:00:00Z,toDateTime=9999-12-31T23:59:59.999999Z)",
    "(fromDateTime=0001-01-01T00:00:00+14:00,toDateTime=0001-01-02T00:00:00Z)",
])
def test_get_pstn_calls_outside_python_range_is_a_400(api, call):
    message = _graph_error(api.get(f"/v1.0/communications/callRecords/getPstnCalls{call.replace('+', '%2B')}"))
    assert "outside the supported range" in message


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_rate_lookup_at_an_instant_outside_python_range_is_a_400(api, at):
    message = _graph_error(api.get("/api/v1/rates", {"number": UK_MOBILE, "at": at}))
    assert message.startswith("at:") and "outside the supported range" in message


def test_a_spend_report_in_the_year_9999_is_a_400_not_a_500(api):
    response = api.get("/api/v1/reports/spend", {"range": "custom", "from": "9999-12-31", "to": "9999-12-31"})
    assert response.status_code == 400 and "to:" in response.json()["error"]["message"]


def test_transactions_to_9999_12_31_shows_the_error(client_as, global_admin):
    response = client_as(global_admin).get("/billing/credits/transactions/", {"from": "9999-12-31", "to": "9999-12-31"})
    assert response.status_code in (200, 400)
    assert "Enter a date before 9999-12-31." in response.content.decode()


def test_unicode_digits_in_the_slice_minutes_are_a_400(api):
    assert _graph_error(api.patch("/api/v1/calling-policy", {"sliceMinutes": "²"}, format="json")).startswith(
        "sliceMinutes:")


def test_a_webhook_url_of_the_wrong_type_is_a_400(api):
    message = _graph_error(api.post("/api/v1/webhooks", {"url": ["https://h.contoso.test/"],
                                                         "events": ["invoice.issued"]}, format="json"))
    assert message.startswith("url:")


@pytest.mark.parametrize("path,method,body", [
    ("/api/v1/calling-policy", "patch", '{"callingSpendUserLimit": 1e999}'),
    ("/api/v1/credits/auto-recharge", "put", '{"enabled": true, "triggerAmount": 1e999, "rechargeAmount": 1e999}'),
    ("/api/v1/credits/funds", "post", '{"amount": 1e999, "paymentMethodId": "x"}'),
])
def test_numbers_beyond_a_float_are_a_400(api, path, method, body):
    response = getattr(api, method)(path, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
