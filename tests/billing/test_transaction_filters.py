"""billing/credits/filters.py: the transactions list's filters on the page (type, from, to) and in the API (type,
fromDateTime, toDateTime), and the errors naming a bad parameter."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from billing.credits.filters import transactions_api_filter, transactions_page_filter
from billing.credits.selectors import credits_transactions
from billing.credits.services import credits_debit


@pytest.fixture
def ledger(tenant, fund):
    """A purchase on 1 June 2026, another on 10 June 2026 at 23:30 UTC, and a call charge now (17 June 2026)."""
    fund(100, at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    fund(50, at=datetime(2026, 6, 10, 23, 30, tzinfo=UTC))
    credits_debit(tenant=tenant, amount=Decimal("1.25"), call_id="call-1")
    return credits_transactions(tenant=tenant)


def _kinds(entries):
    return [(entry.kind, entry.created_at.date().isoformat()) for entry in entries]


def _page(entries, query):
    return _kinds(transactions_page_filter(QueryDict(query), entries))


def _api(entries, query):
    return _kinds(transactions_api_filter(QueryDict(query), entries))


def test_no_filter_lists_every_entry_newest_first(ledger):
    assert _page(ledger, "") == [("call_charge", "2026-06-17"), ("purchase", "2026-06-10"), ("purchase", "2026-06-01")]
    assert _api(ledger, "") == _page(ledger, "")


def test_the_page_filters_by_type_and_whole_days_both_ends_included(ledger):
    assert _page(ledger, "type=call_charge") == [("call_charge", "2026-06-17")]
    assert _page(ledger, "from=2026-06-10") == [("call_charge", "2026-06-17"), ("purchase", "2026-06-10")]
    assert _page(ledger, "to=2026-06-10") == [("purchase", "2026-06-10"), ("purchase", "2026-06-01")]  # 23:30 counts
    assert _page(ledger, "from=2026-06-10&to=2026-06-10&type=purchase") == [("purchase", "2026-06-10")]
    assert _page(ledger, "from=&to=&type=") == _page(ledger, "")


def test_the_api_filters_by_type_and_instants_from_inclusive_to_exclusive(ledger):
    assert _api(ledger, "type=purchase") == [("purchase", "2026-06-10"), ("purchase", "2026-06-01")]
    assert _api(ledger, "fromDateTime=2026-06-10T23:30:00Z") == [("call_charge", "2026-06-17"), ("purchase", "2026-06-10")]
    assert _api(ledger, "toDateTime=2026-06-10T23:30:00Z") == [("purchase", "2026-06-01")]
    assert _api(ledger, "fromDateTime=2026-06-02T00:00:00") == _api(ledger, "fromDateTime=2026-06-02T00:00:00Z")  # UTC


@pytest.mark.parametrize("query,field,message", [
    ("type=nope", "type", "Choose a transaction type from the list."),
    ("from=yesterday", "from", "Enter a date as YYYY-MM-DD."),
    ("to=2026-02-30", "to", "Enter a date as YYYY-MM-DD."),
    ("from=2026-06-10&to=2026-06-09", "to", "The end date is before the start date."),
])
def test_a_bad_page_value_names_its_field(ledger, query, field, message):
    with pytest.raises(ValidationError) as raised:
        transactions_page_filter(QueryDict(query), ledger)
    assert raised.value.message_dict == {field: [message]}


@pytest.mark.parametrize("query,field,words", [
    ("type=nope", "type", "'nope' is not one of purchase, "),
    ("fromDateTime=soon", "fromDateTime", "soon"),
    ("toDateTime=2026-13-01T00:00:00Z", "toDateTime", "2026-13-01"),
])
def test_a_bad_api_value_names_its_field(ledger, query, field, words):
    with pytest.raises(ValidationError) as raised:
        transactions_api_filter(QueryDict(query), ledger)
    assert list(raised.value.message_dict) == [field] and words in raised.value.message_dict[field][0]


def test_every_bad_page_value_is_shown_under_its_field_with_a_400(client_as, billing_admin, ledger):
    response = client_as(billing_admin).get(reverse("billing:credits_transactions"),
                                            {"type": "nope", "from": "2026-06-xx", "to": "30/06/2026"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="tx-type-error"' in page and 'id="tx-from-error"' in page and 'id="tx-to-error"' in page
    assert "<td>Purchase</td>" not in page


def test_the_api_answers_a_bad_value_with_a_graph_error_naming_it(api_client_for, tenant, global_admin, ledger):
    api = api_client_for(tenant, global_admin)
    for params, name in (({"type": "bogus"}, "type"), ({"toDateTime": "\x00"}, "toDateTime"),
                         ({"fromDateTime": "2026-06-10", "type": "nope"}, "type")):
        response = api.get("/api/v1/credits/transactions", params)
        assert response.status_code == 400 and response.json()["error"]["message"].startswith(f"{name}:")
    found = api.get("/api/v1/credits/transactions", {"type": "purchase", "toDateTime": "2026-06-05T00:00:00Z"})
    assert [row["amount"] for row in found.json()["value"]] == ["100.00"]
