"""Graph's advanced queries on /v1.0/users: $count with ConsistencyLevel: eventual, users/$count, $search and
$orderby, with Graph's errors when the header or $count is missing, and paging that keeps the order."""
import pytest

from accounts.models import User
from tests.factories import UserFactory
from tests.licensing.test_graph_users import assert_graph_error

EVENTUAL = {"HTTP_CONSISTENCYLEVEL": "eventual"}


@pytest.fixture
def api(tenant, api_client_for):
    return api_client_for(tenant)


@pytest.fixture
def directory(tenant, other_tenant):
    people = [("Ada Lovelace", "ada@contoso.test", "GB"), ("Adam Smith", "adam.smith@contoso.test", "GB"),
              ("Grace Hopper", "grace@contoso.test", "US"), ("Charles Babbage", "babbage.ada@contoso.test", "GB"),
              ("Alan Turing", "alan@contoso.test", "US")]
    UserFactory(tenant=other_tenant, display_name="Ada Elsewhere", upn="ada@fabrikam.test")
    return {name: UserFactory(tenant=tenant, display_name=name, upn=upn, usage_location=country)
            for name, upn, country in people}


def names(response):
    assert response.status_code == 200, response.content
    return [row["displayName"] for row in response.json()["value"]]


def test_count_true_with_the_header_adds_odata_count_of_every_match(api, directory):
    body = api.get("/v1.0/users", {"$count": "true", "$top": "2", "$filter": "usageLocation eq 'GB'"}, **EVENTUAL).json()
    assert body["@odata.count"] == 3
    assert len(body["value"]) == 2
    assert list(body)[:2] == ["@odata.context", "@odata.count"]


def test_count_true_without_the_header_is_ignored_as_graph_ignores_it(api, directory):
    body = api.get("/v1.0/users", {"$count": "true"}).json()
    assert "@odata.count" not in body
    assert len(body["value"]) == 5


def test_users_count_segment_answers_a_plain_number(api, directory):
    response = api.get("/v1.0/users/$count", **EVENTUAL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"5"
    assert api.get("/v1.0/users/$count", {"$filter": "usageLocation eq 'US'"}, **EVENTUAL).content == b"2"
    assert api.get("/v1.0/users/$count", {"$search": '"displayName:ada"'}, **EVENTUAL).content == b"2"


def test_users_count_segment_needs_the_header(api, directory):
    message = assert_graph_error(api.get("/v1.0/users/$count"), 400, "Request_BadRequest")
    assert message == "$count is not currently supported."


def test_users_count_errors_stay_json_when_the_client_accepts_text(api, directory):
    response = api.get("/v1.0/users/$count", HTTP_ACCEPT="text/plain;q=0.9")
    assert response["Content-Type"] == "application/json"
    assert_graph_error(response, 400, "Request_BadRequest")


def test_search_matches_the_start_of_any_word(api, directory):
    found = names(api.get("/v1.0/users", {"$search": '"displayName:ada"', "$orderby": "displayName"}, **EVENTUAL))
    assert found == ["Ada Lovelace", "Adam Smith"]  # "Babbage" holds "ada" only inside a word
    found = names(api.get("/v1.0/users", {"$search": '"userPrincipalName:ada"', "$orderby": "displayName"},
                          **EVENTUAL))
    assert found == ["Ada Lovelace", "Adam Smith", "Charles Babbage"]  # babbage.ada@: a word of the address
    assert names(api.get("/v1.0/users", {"$search": '"displayName:LOVE"'}, **EVENTUAL)) == ["Ada Lovelace"]
    assert names(api.get("/v1.0/users", {"$search": '"displayName:Love"'}, **EVENTUAL)) == ["Ada Lovelace"]


def test_search_clauses_join_with_and_and_or(api, directory):
    both = api.get("/v1.0/users", {"$search": '"displayName:ada" AND "displayName:smith"'}, **EVENTUAL)
    assert names(both) == ["Adam Smith"]
    either = api.get("/v1.0/users", {"$search": '"displayName:grace" OR "displayName:alan"',
                                     "$orderby": "displayName"}, **EVENTUAL)
    assert names(either) == ["Alan Turing", "Grace Hopper"]


def test_search_needs_the_header(api, directory):
    message = assert_graph_error(api.get("/v1.0/users", {"$search": '"displayName:ada"'}), 400,
                                 "Request_UnsupportedQuery")
    assert message == ("Request with $search query parameter only works through MSGraph with a special request header: "
                       "'ConsistencyLevel: eventual'")


@pytest.mark.parametrize("search", ["ada", '"displayName:ada', '"shoeSize:9"', '"displayName:"',
                                    '"displayName:ada" NEAR "displayName:b"', '""'])
def test_malformed_search_is_graphs_unsupported_query(api, directory, search):
    assert_graph_error(api.get("/v1.0/users", {"$search": search}, **EVENTUAL), 400, "Request_UnsupportedQuery")


def test_orderby_display_name_and_user_principal_name_both_ways(api, directory):
    by_name = names(api.get("/v1.0/users", {"$orderby": "displayName"}))
    assert by_name == sorted(by_name) and len(by_name) == 5
    assert names(api.get("/v1.0/users", {"$orderby": "displayName desc"})) == by_name[::-1]
    upns = [row["userPrincipalName"] for row in api.get("/v1.0/users", {"$orderby": "userPrincipalName asc"}).json()[
        "value"]]
    assert upns == sorted(upns)


def test_paging_keeps_the_order_and_sees_every_user_once(api, tenant):
    User.objects.bulk_create([User(tenant=tenant, upn=f"u{i}@contoso.test", display_name=f"Person {i % 4}")
                              for i in range(11)])  # equal names: the id breaks ties
    seen, url = [], "/v1.0/users?$top=3&$orderby=displayName desc&$select=id,displayName"
    while url:
        body = api.get(url).json()
        seen.extend((row["displayName"], row["id"]) for row in body["value"])
        url = body.get("@odata.nextLink")
    assert len(seen) == len(set(seen)) == 11
    assert [name for name, _ in seen] == sorted((name for name, _ in seen), reverse=True)


def test_orderby_with_filter_needs_the_advanced_query(api, directory):
    query = {"$orderby": "displayName", "$filter": "usageLocation eq 'GB'"}
    message = assert_graph_error(api.get("/v1.0/users", query), 400, "Request_UnsupportedQuery")
    assert message == "Sorting not supported for current query."
    assert_graph_error(api.get("/v1.0/users", query, **EVENTUAL), 400, "Request_UnsupportedQuery")  # $count missing
    advanced = api.get("/v1.0/users", {**query, "$count": "true"}, **EVENTUAL)
    assert names(advanced) == ["Ada Lovelace", "Adam Smith", "Charles Babbage"]
    assert advanced.json()["@odata.count"] == 3


@pytest.mark.parametrize("orderby, message", [
    ("createdDateTime", "An unsupported property was specified."),
    ("displayName sideways", "Sorting not supported for current query."),
    ("displayName,userPrincipalName", "Sorting not supported for current query."),
])
def test_unsupported_orderby_is_refused(api, directory, orderby, message):
    assert assert_graph_error(api.get("/v1.0/users", {"$orderby": orderby}), 400, "Request_UnsupportedQuery") == message


def test_a_skiptoken_of_another_order_is_refused(api, tenant):
    User.objects.bulk_create([User(tenant=tenant, upn=f"u{i}@contoso.test", display_name=f"P{i}") for i in range(3)])
    link = api.get("/v1.0/users", {"$top": "1", "$orderby": "displayName"}).json()["@odata.nextLink"]
    token = link.split("$skiptoken=")[1]
    assert_graph_error(api.get("/v1.0/users", {"$top": "1", "$skiptoken": token}), 400, "Request_BadRequest")


@pytest.mark.parametrize("expression, code, words", [
    ("userPrincipalName eq 'ada@contoso.test", "BadRequest", "unterminated string literal at position 21"),
    ("startswith(displayName,'A'", "BadRequest", "')' or ',' expected"),
    ("displayName)", "BadRequest", "Syntax error at position 11"),
    ("userPrincipalName eq", "BadRequest", "Syntax error"),
    ("", "BadRequest", "empty"),
    ("department eq 'Sales'", "Request_UnsupportedQuery",
     "Unsupported or invalid query filter clause specified for property 'department' of resource 'User'."),
    ("endswith(mail,'@contoso.test')", "Request_UnsupportedQuery", "property 'mail'"),
])
def test_malformed_and_unsupported_filters_get_graphs_errors(api, directory, expression, code, words):
    message = assert_graph_error(api.get("/v1.0/users", {"$filter": expression}), 400, code)
    assert words in message


@pytest.mark.parametrize("top", ["1000", "5000", "0"])
def test_top_over_the_maximum_is_graphs_page_size_error(api, top):
    message = assert_graph_error(api.get("/v1.0/users", {"$top": top}), 400, "Request_BadRequest")
    assert message == f"Invalid page size specified: '{int(top)}'. Must be between 1 and 999 inclusive."


def test_count_query_costs_one_more_query_whatever_the_users(api, tenant, django_assert_num_queries):
    User.objects.bulk_create([User(tenant=tenant, upn=f"u{i}@contoso.test", display_name=f"P{i}") for i in range(60)])
    api.get("/v1.0/users")
    with django_assert_num_queries(3):  # token, page, count
        body = api.get("/v1.0/users", {"$count": "true", "$search": '"displayName:p"'}, **EVENTUAL).json()
    assert body["@odata.count"] == 60
