"""Microsoft's Graph SDK for Python drives /v1.0/ on a live server as it drives graph.microsoft.com: list SKUs, page
users, count and search them, create a user, assign and remove licenses, read license details, page getPstnCalls,
and back off on a 429 by its own Retry-After handling."""
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.user import User as GraphUser
from msgraph.generated.users.count.count_request_builder import CountRequestBuilder
from msgraph.generated.users.item.assign_license.assign_license_post_request_body import AssignLicensePostRequestBody
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import PageIterator

from accounts.models import User
from billing.rating.models import CallRecord
from licensing.models import LicenseAssignment
from tests.factories import UserFactory
from tests.licensing.factories import SubscriptionFactory, give_license, product
from tests.reporting.factories import CallRecordFactory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

E5 = uuid.UUID("06ebc4ee-1bb5-47dd-8120-11324bc54e06")
PHONE = uuid.UUID("e43b5b99-8dfb-405f-9987-dc307f34bcbd")
DOMESTIC = uuid.UUID("0dab259f-bf13-4952-b7f8-7db8f131b28d")
CONFERENCING_PLAN = uuid.UUID("3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40")


@pytest.fixture
def contoso(tenant):
    for part, units in [("SPE_E5", 10), ("MCOEV", 5), ("MCOPSTN1", 1)]:
        SubscriptionFactory(tenant=tenant, product=product(part), enabled_units=units)
    return tenant


@pytest.fixture
def graph(graph_for, contoso):
    return graph_for(contoso)[0]


def advanced(**query):
    """A request configuration with the advanced-query header and these $-options."""
    config = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(**query))
    config.headers.add("ConsistencyLevel", "eventual")
    return config


def test_lists_subscribed_skus(graph, run, contoso):
    give_license(UserFactory(tenant=contoso, usage_location="US"), "SPE_E5")
    skus = {sku.sku_part_number: sku for sku in run(graph.subscribed_skus.get()).value}
    assert set(skus) == {"SPE_E5", "MCOEV", "MCOPSTN1"}
    e5 = skus["SPE_E5"]
    assert (e5.sku_id, e5.consumed_units, e5.capability_status, e5.applies_to) == (E5, 1, "Enabled", "User")
    assert (e5.prepaid_units.enabled, e5.prepaid_units.suspended, e5.prepaid_units.warning,
            e5.prepaid_units.locked_out) == (10, 0, 0, 0)
    assert e5.account_id == str(contoso.pk) and e5.account_name == contoso.name and len(e5.subscription_ids) == 1
    assert CONFERENCING_PLAN in {plan.service_plan_id for plan in e5.service_plans}
    one = run(graph.subscribed_skus.by_subscribed_sku_id(e5.id).get())
    assert one.sku_part_number == "SPE_E5"


def test_pages_users_with_the_page_iterator_counting_and_sorting(graph_for, run, contoso):
    User.objects.bulk_create([User(tenant=contoso, upn=f"u{i:02d}@contoso.test", display_name=f"Person {i:02d}")
                              for i in range(7)])
    graph, adapter = graph_for(contoso)
    first = run(graph.users.get(advanced(top=3, count=True, orderby=["displayName desc"],
                                         select=["id", "displayName"])))
    assert first.odata_count == 7 and len(first.value) == 3 and first.odata_next_link
    seen = []
    iterator = PageIterator(first, adapter)
    run(iterator.iterate(lambda user: seen.append(user.display_name) or True))
    assert seen == [f"Person {i:02d}" for i in reversed(range(7))]


def test_counts_and_searches_users_with_the_advanced_query_header(graph, run, contoso):
    for name in ["Ada Lovelace", "Adam Smith", "Grace Hopper"]:
        UserFactory(tenant=contoso, display_name=name)
    config = RequestConfiguration(query_parameters=CountRequestBuilder.CountRequestBuilderGetQueryParameters(
        search='"displayName:ada"'))
    config.headers.add("ConsistencyLevel", "eventual")
    assert run(graph.users.count.get(config)) == 2
    found = run(graph.users.get(advanced(search='"displayName:grace"', select=["displayName"])))
    assert [user.display_name for user in found.value] == ["Grace Hopper"]
    with pytest.raises(ODataError) as refused:
        run(graph.users.count.get())  # without the header
    assert refused.value.response_status_code == 400
    assert (refused.value.error.code, refused.value.error.message) == ("Request_BadRequest",
                                                                        "$count is not currently supported.")


def test_creates_a_user_assigns_and_removes_licenses_and_reads_license_details(graph, run, contoso):
    created = run(graph.users.post(GraphUser(
        account_enabled=True, display_name="Megan Bowen", mail_nickname="megan", user_principal_name="megan@contoso.test",
        usage_location="US", password_profile=PasswordProfile(force_change_password_next_sign_in=True,
                                                              password="xWwvJ]6NMw+bWH-d"))))
    assert created.display_name == "Megan Bowen" and User.objects.filter(pk=created.id).exists()

    users = graph.users.by_user_id(created.id)
    body = AssignLicensePostRequestBody(add_licenses=[
        AssignedLicense(sku_id=E5, disabled_plans=[CONFERENCING_PLAN]), AssignedLicense(sku_id=DOMESTIC,
                                                                                       disabled_plans=[])],
        remove_licenses=[])
    assigned = run(users.assign_license.post(body))
    assert {lic.sku_id for lic in assigned.assigned_licenses} == {E5, DOMESTIC}
    assert {(s.sku_id, s.state, s.error) for s in assigned.license_assignment_states} == {
        (E5, "Active", "None"), (DOMESTIC, "Active", "None")}
    assert assigned.assigned_plans and all(plan.service for plan in assigned.assigned_plans)

    details = {d.sku_part_number: d for d in run(users.license_details.get()).value}
    assert set(details) == {"SPE_E5", "MCOPSTN1"}
    status = {plan.service_plan_name: plan.provisioning_status for plan in details["SPE_E5"].service_plans}
    assert status["MCOMEETADV"] == "Disabled" and status["MCOEV"] == "Success"

    removed = run(users.assign_license.post(AssignLicensePostRequestBody(add_licenses=[], remove_licenses=[DOMESTIC])))
    assert [lic.sku_id for lic in removed.assigned_licenses] == [E5]
    assert list(LicenseAssignment.objects.filter(user_id=created.id).values_list("product_id", flat=True)) == [E5]


def test_refusals_reach_the_sdk_as_graphs_odata_errors(graph, run, contoso):
    nomad = UserFactory(tenant=contoso, usage_location="")
    taken = UserFactory(tenant=contoso, usage_location="US")
    give_license(taken, "MCOEV")
    give_license(taken, "MCOPSTN1")

    def refused(user, sku):
        body = AssignLicensePostRequestBody(add_licenses=[AssignedLicense(sku_id=sku, disabled_plans=[])],
                                            remove_licenses=[])
        with pytest.raises(ODataError) as error:
            run(graph.users.by_user_id(str(user.pk)).assign_license.post(body))
        return error.value.response_status_code, error.value.error.code, error.value.error.message

    assert refused(nomad, PHONE) == (400, "Request_BadRequest",
                                     "License assignment cannot be done for user with invalid usage location.")
    ada = UserFactory(tenant=contoso, usage_location="US")
    give_license(ada, "MCOEV")
    assert refused(ada, DOMESTIC) == (400, "Request_BadRequest",
                                      f"Subscription with SKU {DOMESTIC} does not have any available licenses.")
    with pytest.raises(ODataError) as missing:
        run(graph.users.by_user_id(str(uuid.uuid4())).get())
    assert (missing.value.response_status_code, missing.value.error.code) == (404, "Request_ResourceNotFound")


def pstn_calls(graph, start, end):
    """getPstnCalls as Microsoft documents the URL. The SDK's own builder for the function drops the comma between
    the two parameters (…fromDateTime=…toDateTime=…), which Graph refuses too (see the next test), so scripts call
    it through with_url, as Microsoft's SDK issues advise."""
    def text(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    builder = graph.communications.call_records.microsoft_graph_call_records_get_pstn_calls_with_from_date_time_with_to_date_time(
        from_date_time=start, to_date_time=end)
    call = f"getPstnCalls(fromDateTime={text(start)},toDateTime={text(end)})"
    return builder.with_url(f"{graph.request_adapter.base_url}/communications/callRecords/{call}")


def test_pages_get_pstn_calls(graph, run, contoso):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    CallRecord.objects.bulk_create([CallRecordFactory.build(tenant=contoso, start_at=start + timedelta(minutes=n))
                                    for n in range(2001)])
    CallRecordFactory(tenant=contoso, start_at=start + timedelta(days=40))  # past toDateTime
    page = run(pstn_calls(graph, start, start + timedelta(days=30)).get())
    rows, pages = list(page.value), 1
    assert page.odata_count == 1000
    while page.odata_next_link:
        page = run(pstn_calls(graph, start, start).with_url(page.odata_next_link).get())
        rows.extend(page.value)
        pages += 1
    assert pages == 3 and len(rows) == len({row.id for row in rows}) == 2001
    first = rows[0]
    assert first.start_date_time == start and first.duration == 125 and first.call_duration_source.value == "microsoft"
    assert (first.inventory_type, first.license_capability, first.tenant_country_code, first.usage_country_code) == (
        "Subscriber", "MCOPSTN1", "US", "US")


def test_the_sdks_own_get_pstn_calls_builder_is_refused_as_graph_refuses_it(graph, run, contoso):
    builder = graph.communications.call_records.microsoft_graph_call_records_get_pstn_calls_with_from_date_time_with_to_date_time(
        from_date_time=datetime(2026, 1, 1, tzinfo=UTC), to_date_time=datetime(2026, 1, 2, tzinfo=UTC))
    with pytest.raises(ODataError) as refused:
        run(builder.get())
    assert (refused.value.response_status_code, refused.value.error.code) == (400, "BadRequest")


def test_backs_off_on_a_429_and_succeeds_after_retry_after(graph, run, contoso, settings, caplog):
    settings.GRAPH_THROTTLE_LIMITS = {**settings.GRAPH_THROTTLE_LIMITS, "callRecords": (2, 2)}
    start = datetime(2026, 3, 1, tzinfo=UTC)
    CallRecordFactory(tenant=contoso, start_at=start)
    calls = pstn_calls(graph, start, start + timedelta(days=1))
    caplog.set_level(logging.WARNING, logger="django.request")
    # The SDK's retry handler waits the Retry-After the 429 names (at most 2 s here), then asks again.
    results = [run(calls.get()) for _ in range(4)]
    assert all(len(result.value) == 1 for result in results)
    throttled = [r for r in caplog.records if r.getMessage().startswith("Too Many Requests")]
    assert throttled, "no request was throttled: the limit was never reached"

    no_retry = RequestConfiguration(options=[RetryHandlerOption(max_retries=0)])
    results = []
    with pytest.raises(ODataError) as refused:
        for _ in range(3):
            results.append(run(calls.get(no_retry)))
    assert refused.value.response_status_code == 429
    assert refused.value.error.code == "TooManyRequests"
    assert 1 <= int(refused.value.response_headers["retry-after"]) <= 2


def test_another_tenants_directory_is_invisible_to_the_sdk(graph_for, run, contoso, other_tenant):
    stranger = UserFactory(tenant=other_tenant)
    graph = graph_for(contoso)[0]
    with pytest.raises(ODataError) as hidden:
        run(graph.users.by_user_id(str(stranger.pk)).get())
    assert hidden.value.response_status_code == 404
    assert str(stranger.pk) not in {user.id for user in run(graph.users.get()).value}
