"""Graph-style throttling: per-tenant counts in the cache, 429 with Retry-After and Graph's error body, windows that
end, Graph's resource-unit costs for directory reads, and limits read from settings."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_rate
from core.throttling import Limit, throttle_charge
from tests.licensing.test_graph_users import assert_graph_error
from tests.reporting.factories import CallRecordFactory

PSTN = "/v1.0/communications/callRecords/getPstnCalls(fromDateTime=2026-01-01,toDateTime=2026-01-31)"


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


def test_a_limit_counts_units_in_a_window_and_names_the_seconds_until_it_ends(clock):
    clock.at(2026, 6, 17, 9, 30)
    limit = Limit("test", units=5, seconds=60)
    now = clock.now().timestamp()
    assert [throttle_charge(limit=limit, key="t1", cost=2, now=now) for _ in range(2)] == [None, None]
    assert throttle_charge(limit=limit, key="t1", cost=1, now=now + 10) is None  # 5 of 5
    assert throttle_charge(limit=limit, key="t1", cost=1, now=now + 10.5) == 50  # 29.5 s left in the window: 30
    assert throttle_charge(limit=limit, key="t2", cost=5, now=now + 10.5) is None  # another key counts apart
    assert throttle_charge(limit=limit, key="t1", cost=1, now=now + 60) is None  # a new window


def test_the_wait_is_never_below_one_second(clock):
    limit = Limit("test-edge", units=1, seconds=10)
    assert throttle_charge(limit=limit, key="t", now=99.0) is None
    assert throttle_charge(limit=limit, key="t", now=99.99) == 1


def test_call_records_answer_429_with_retry_after_past_the_tenants_limit(api, tenant, other_tenant, api_client_for,
                                                                        settings, clock):
    settings.GRAPH_THROTTLE_LIMITS = {**settings.GRAPH_THROTTLE_LIMITS, "callRecords": (3, 60)}
    clock.at(2026, 6, 17, 9, 30, 15)
    CallRecordFactory(tenant=tenant)
    assert [api.get(PSTN).status_code for _ in range(3)] == [200, 200, 200]
    throttled = api.get(PSTN)
    message = assert_graph_error(throttled, 429, "TooManyRequests")
    assert throttled["Retry-After"] == "45"
    assert message == "Too many requests. Retry after 45 seconds."
    assert api_client_for(other_tenant).get(PSTN).status_code == 200  # per tenant
    clock.advance(seconds=45)
    assert api.get(PSTN).status_code == 200


def test_directory_reads_cost_graphs_resource_units(api, tenant, settings, clock):
    settings.GRAPH_THROTTLE_LIMITS = {**settings.GRAPH_THROTTLE_LIMITS, "directory": (7, 10)}
    clock.at(2026, 6, 17, 9, 30, 0)
    assert api.get("/v1.0/subscribedSkus").status_code == 200  # 3
    assert api.get("/v1.0/users").status_code == 200  # 2: 5
    assert api.get("/v1.0/users", {"$select": "id", "$top": "5"}).status_code == 200  # 2-1-1 is 1 at least: 6
    assert api.get("/v1.0/users/nobody@contoso.test").status_code == 404  # 1: 7
    assert_graph_error(api.get("/v1.0/users"), 429, "TooManyRequests")


def test_directory_writes_count_against_the_write_quota_too(api, tenant, settings, clock):
    settings.GRAPH_THROTTLE_LIMITS = {**settings.GRAPH_THROTTLE_LIMITS, "directoryWrites": (1, 150)}
    clock.at(2026, 6, 17, 9, 30, 0)
    from tests.factories import UserFactory

    user = UserFactory(tenant=tenant, usage_location="US")
    assert api.patch(f"/v1.0/users/{user.pk}", {"jobTitle": "Buyer"}, format="json").status_code == 204
    refused = api.patch(f"/v1.0/users/{user.pk}", {"jobTitle": "Seller"}, format="json")
    assert_graph_error(refused, 429, "TooManyRequests")
    assert refused["Retry-After"] == "150"
    user.refresh_from_db()
    assert user.job_title == "Buyer"
    assert api.get(f"/v1.0/users/{user.pk}").status_code == 200  # reads are not writes


def test_unauthenticated_requests_are_refused_before_any_count(client, settings):
    settings.GRAPH_THROTTLE_LIMITS = {**settings.GRAPH_THROTTLE_LIMITS, "callRecords": (1, 60)}
    assert [client.get(PSTN).status_code for _ in range(3)] == [401, 401, 401]


@pytest.mark.parametrize("raw", ["1000", "a/60", "0/60", "10/0", "10/-1", "ten/sixty"])
def test_a_malformed_limit_stops_start_up_naming_it(monkeypatch, raw):
    monkeypatch.setenv("GRAPH_THROTTLE_CALL_RECORDS", raw)
    with pytest.raises(ImproperlyConfigured, match="GRAPH_THROTTLE_CALL_RECORDS"):
        env_rate("GRAPH_THROTTLE_CALL_RECORDS", "1000/60")


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GRAPH_THROTTLE_CALL_RECORDS", "250/20")
    assert env_rate("GRAPH_THROTTLE_CALL_RECORDS", "1000/60") == (250, 20)
    monkeypatch.delenv("GRAPH_THROTTLE_CALL_RECORDS")
    assert env_rate("GRAPH_THROTTLE_CALL_RECORDS", "1000/60") == (1000, 60)
