"""Graph getPstnCalls: pstnCallLogRow shapes, 1,000-row pages with @odata.count and @odata.nextLink, inclusive bounds,
the 90-day limit, Graph-style errors for malformed calls, roles and tenancy."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from billing.rating.models import CallRecord
from tests.factories import UserFactory
from tests.reporting.factories import CallRecordFactory

BASE = "/v1.0/communications/callRecords/getPstnCalls"
JAN = datetime(2026, 1, 10, 8, 30, tzinfo=UTC)


def url(start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z"):
    return f"{BASE}(fromDateTime={start},toDateTime={end})"


@pytest.fixture
def api(api_client_for, tenant):
    return api_client_for(tenant)


def test_rows_are_pstn_call_log_rows(api, tenant):
    user = UserFactory(tenant=tenant, upn="ada@contoso.test", display_name="Ada Caller")
    record = CallRecordFactory(tenant=tenant, user=user, start_at=JAN, duration_seconds=125, charge=Decimal("0.30"),
                               connection_charge=Decimal("0.05"), capability="MCOPSTNPP", call_type="user_out",
                               callee_number="+442079460000", destination_name="United Kingdom - Fixed",
                               destination_context="International", conference_id="", number_type="user")
    response = api.get(url())
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)")
    assert "@odata.nextLink" not in body
    assert body["value"] == [{
        "id": str(record.usage_id), "callId": record.call_id, "userId": str(user.pk),
        "userPrincipalName": "ada@contoso.test", "userDisplayName": "Ada Caller",
        "startDateTime": "2026-01-10T08:30:00Z", "endDateTime": "2026-01-10T08:32:05Z", "duration": 125,
        "charge": 0.3, "connectionCharge": 0.05, "currency": "USD", "callType": "user_out",
        "calleeNumber": "+442079460000", "callerNumber": "+14255550100", "destinationContext": "International",
        "destinationName": "United Kingdom - Fixed", "conferenceId": None, "licenseCapability": "MCOPSTNPP",
        "inventoryType": "Subscriber", "usageCountryCode": "US", "tenantCountryCode": "US", "operator": "Microsoft",
        "callDurationSource": "microsoft",
    }]


def test_pages_hold_1000_rows_and_next_links_walk_every_row_once(api, tenant):
    CallRecord.objects.bulk_create([
        CallRecordFactory.build(tenant=tenant, start_at=JAN + timedelta(seconds=n // 3)) for n in range(2345)])
    seen, link, pages = [], url(), 0
    while link:
        response = api.get(link)
        assert response.status_code == 200
        body = response.json()
        pages += 1
        seen.extend(row["id"] for row in body["value"])
        assert len(body["value"]) == (1000 if "@odata.nextLink" in body else 345)
        link = body.get("@odata.nextLink")
        if link:
            parts = urlsplit(link)
            link = f"{parts.path}?{parts.query}"
            assert parts.path == url()
    assert pages == 3 and len(seen) == len(set(seen)) == 2345
    starts = [r for r in CallRecord.objects.order_by("start_at", "id").values_list("usage_id", flat=True)]
    assert seen == [str(u) for u in starts]


def test_both_bounds_are_inclusive_and_dates_mean_midnight_utc(api, tenant):
    CallRecordFactory(tenant=tenant, start_at=datetime(2026, 1, 1, tzinfo=UTC))
    CallRecordFactory(tenant=tenant, start_at=datetime(2026, 2, 1, tzinfo=UTC))
    CallRecordFactory(tenant=tenant, start_at=datetime(2026, 2, 1, 0, 0, 0, 1, tzinfo=UTC))
    assert len(api.get(url("2026-01-01", "2026-02-01")).json()["value"]) == 2
    assert len(api.get(url("2026-01-01T00:00:00.000001Z", "2026-02-01")).json()["value"]) == 1
    assert len(api.get(url("2026-01-01T00:00:00", "2026-02-01T00:00:01+00:00")).json()["value"]) == 3
    # One instant is a range of its own.
    assert len(api.get(url("2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z")).json()["value"]) == 1


def test_every_page_counts_its_rows_in_odata_count(api, tenant):
    CallRecord.objects.bulk_create([CallRecordFactory.build(tenant=tenant, start_at=JAN) for _ in range(1003)])
    first = api.get(url()).json()
    assert first["@odata.count"] == 1000 == len(first["value"])
    link = urlsplit(first["@odata.nextLink"])
    second = api.get(f"{link.path}?{link.query}").json()
    assert second["@odata.count"] == 3 == len(second["value"])
    assert api.get(url("2025-01-01", "2025-01-02")).json() == {
        "@odata.context": "http://testserver/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)",
        "@odata.count": 0, "value": []}


def test_the_sdks_qualified_function_name_answers_the_same(api, tenant):
    CallRecordFactory(tenant=tenant, start_at=JAN)
    short = api.get(url()).json()
    qualified = api.get(url().replace("getPstnCalls", "microsoft.graph.callRecords.getPstnCalls") + "?$count=true")
    assert qualified.status_code == 200
    assert qualified.json()["value"] == short["value"]


def test_another_tenants_calls_are_never_returned(api, other_tenant):
    CallRecordFactory(tenant=other_tenant, start_at=JAN)
    assert api.get(url()).json()["value"] == []


@pytest.mark.parametrize(("path", "message"), [
    (url("2026-01-01", "2026-04-02"), "can be at most 90 days"),
    (url("2026-02-01", "2026-01-01"), "toDateTime must not be earlier than fromDateTime"),
    (url("2026-01-01T00:00:00Z", "2026-04-01T00:00:01Z"), "can be at most 90 days"),
    (url() + "?$count=maybe", "Invalid value 'maybe' for $count"),
    (url("yesterday", "2026-01-01"), "Invalid value 'yesterday' for parameter 'fromDateTime'"),
    (f"{BASE}(fromDateTime=2026-01-01)", "Parameter 'toDateTime' is required"),
    (f"{BASE}(fromDateTime=,toDateTime=)", "Expression expected at position 13 in 'fromDateTime=,toDateTime='."),
    (f"{BASE}(fromDateTime=2026-01-01,toDateTime=)", "Expression expected at position 35 in"),
    (f"{BASE}(fromDateTime=2026-01-01,toDateTime=2026-01-02,top=5)", "Unknown parameter 'top'"),
    (f"{BASE}(fromDateTime=2026-01-01,fromDateTime=2026-01-02)", "Parameter 'fromDateTime' is given twice"),
    (f"{BASE}(fromDateTime=2026-01-01;toDateTime=2026-01-02)", "Malformed function argument"),
    (f"{BASE}fromDateTime=2026-01-01,toDateTime=2026-01-02", "Malformed function call"),
    (f"{BASE}(fromDateTime=2026-01-01,toDateTime=2026-01-02", "Malformed function call"),
    (f"{BASE}", "Malformed function call"),
    (url() + "?$top=5", "The query option '$top' is not supported"),
    (url() + "?$skiptoken=forged", "The $skiptoken is not valid"),
])
def test_malformed_calls_get_a_graph_style_400(api, path, message):
    response = api.get(path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error["message"] and error["code"] in ("BadRequest", "Request_UnsupportedQuery")


def test_exactly_90_days_is_allowed(api):
    assert api.get(url("2026-01-01", "2026-04-01")).status_code == 200


def test_signed_in_admins_need_the_reports_role(client_as, reports_reader, billing_admin):
    assert client_as(reports_reader).get(url()).status_code == 200
    response = client_as(billing_admin).get(url())
    assert response.status_code == 403 and response.json()["error"]["code"] == "Authorization_RequestDenied"


def test_no_token_is_a_401(client):
    assert client.get(url()).status_code == 401


def test_one_page_costs_the_same_queries_at_any_size(api, tenant, django_assert_num_queries):
    CallRecordFactory(tenant=tenant, start_at=JAN)
    api.get(url())  # the token's first use records when it was used
    with django_assert_num_queries(2):  # the token (with its tenant), the page
        assert len(api.get(url()).json()["value"]) == 1
    CallRecord.objects.bulk_create([CallRecordFactory.build(tenant=tenant, start_at=JAN) for _ in range(1200)])
    with django_assert_num_queries(2):
        assert len(api.get(url()).json()["value"]) == 1000


# pstnCallLogRow resource type (v1.0), as Microsoft's documentation lists its properties.
PSTN_CALL_LOG_ROW = {
    "callDurationSource", "calleeNumber", "callerNumber", "callId", "callType", "charge", "conferenceId",
    "connectionCharge", "currency", "destinationContext", "destinationName", "duration", "endDateTime", "id",
    "inventoryType", "licenseCapability", "operator", "startDateTime", "tenantCountryCode", "usageCountryCode",
    "userDisplayName", "userId", "userPrincipalName",
}
PSTN_CALL_DURATION_SOURCE = {"microsoft", "operator"}


def test_rows_carry_exactly_the_documented_pstn_call_log_row_fields(api, tenant):
    user = UserFactory(tenant=tenant)
    CallRecordFactory(tenant=tenant, user=user, start_at=JAN, conference_id="conf-1", number_type="toll_free",
                      duration_source="operator", operator="Contoso Telecom", call_type="conf_in")
    CallRecordFactory(tenant=tenant, start_at=JAN, tenant_country="GB", usage_country="", number_type="")
    body = api.get(url()).json()
    assert set(body) == {"@odata.context", "@odata.count", "value"}
    for row in body["value"]:
        assert set(row) == PSTN_CALL_LOG_ROW
        assert row["callDurationSource"] in PSTN_CALL_DURATION_SOURCE
        assert isinstance(row["duration"], int) and isinstance(row["charge"], float)
    operated, anonymous = body["value"]
    assert (operated["conferenceId"], operated["inventoryType"], operated["operator"], operated["callDurationSource"]) == (
        "conf-1", "Toll-free", "Contoso Telecom", "operator")
    assert (anonymous["userId"], anonymous["usageCountryCode"], anonymous["tenantCountryCode"]) == (None, None, "GB")
