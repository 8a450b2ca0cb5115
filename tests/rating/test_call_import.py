"""Importing finished call records: rated and charged like completed calls, errors per row, known ids not charged."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLog
from billing.credits.models import LedgerEntry
from billing.credits.selectors import credits_balance
from billing.credits.services import credits_debit
from billing.rating.models import CallRecord, MinutePool, MinutePoolUsage, TenantPhoneNumber
from billing.rating.services import call_authorize, call_records_import
from tests.rating.factories import (
    EG_FIXED,
    UK_MOBILE,
    UK_PREMIUM,
    US_FIXED,
    add_credits,
    make_caller,
    service_number,
)

pytestmark = pytest.mark.django_db
IMPORT = "/api/v1/calls/import"
TOLL_FREE_NUMBER = "+18885550100"


@pytest.fixture
def ada(tenant, calling_deck):
    service_number(tenant, TOLL_FREE_NUMBER, TenantPhoneNumber.Kind.TOLL_FREE)
    return make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")


def row(call_id, start, seconds, callee=UK_MOBILE, call_type="user_out", upn="ada@contoso.test", **extra):
    return {"call_id": call_id, "call_type": call_type, "user_principal_name": upn, "callee_number": callee,
            "start_at": start, "duration_seconds": seconds, **extra}


def test_valid_rows_are_rated_and_charged_with_one_ledger_entry_per_call(tenant, ada, now):
    add_credits(tenant, "10.00")
    start = now - datetime.timedelta(hours=1)

    result = call_records_import(tenant=tenant, rows=[
        row("r1", start, 61),  # $0.40 + $0.05
        row("r2", start, 125, callee=US_FIXED),  # 3 pool minutes
        row("r3", start, 61, callee=TOLL_FREE_NUMBER, call_type="unassigned_in", upn="", caller_number=UK_MOBILE),
    ], actor=None)

    assert (result.imported, result.errors, result.duplicates) == (3, [], [])
    assert (result.charged, result.pool_minutes, result.credit_minutes) == (Decimal("0.51"), 3, 4)
    records = {r.call_id: r for r in CallRecord.objects.all()}
    assert (records["r1"].charge, records["r1"].connection_charge, records["r1"].capability) == (
        Decimal("0.45"), Decimal("0.05"), "MCOPSTNPP")
    assert (records["r2"].charge, records["r2"].pool_minutes, records["r2"].capability) == (0, 3, "MCOPSTN1")
    assert (records["r3"].charge, records["r3"].caller_country, records["r3"].number_type) == (
        Decimal("0.06"), "GB", "toll_free")
    assert {r.source for r in records.values()} == {"import"}
    entries = LedgerEntry.objects.filter(kind__in=LedgerEntry.CHARGE_KINDS).order_by("call_id")
    assert [(e.call_id, e.kind, e.amount, e.idempotency_key) for e in entries] == [
        ("r1", "call_charge", Decimal("-0.45"), "call_charge:r1"),
        ("r3", "toll_free_charge", Decimal("-0.06"), "toll_free_charge:r3")]
    assert credits_balance(tenant=tenant).balance == Decimal("9.49")
    assert sorted(e.balance_after for e in entries) == [Decimal("9.49"), Decimal("9.55")]
    assert MinutePoolUsage.objects.get().minutes == 3
    assert MinutePool.objects.get().used_minutes == 3
    assert AuditLog.objects.filter(action="rating.call_records_import").count() == 1


def test_invalid_rows_come_back_with_index_field_and_message_and_the_rest_is_recorded(tenant, ada, now):
    add_credits(tenant, "10.00")
    start = now - datetime.timedelta(hours=1)

    result = call_records_import(tenant=tenant, rows=[
        row("ok", start, 60),
        row("bad-number", start, 60, callee="+44 20 79x6"),
        row("no-user", start, 60, upn="ghost@contoso.test"),
        row("negative", start, -1),
        row("absurd", start, 99_999_999),
        row("backwards", start, None, end_at=start - datetime.timedelta(minutes=1)),
        row("premium", start, 60, callee=UK_PREMIUM),
        row("", start, 60),
        "not an object",
        row("no-service-number", start, 60, call_type="conf_in", upn="", callee="+18885550199"),
    ], actor=None)

    assert result.imported == 1
    assert [(e.index, e.field) for e in result.errors] == [
        (1, "callee_number"), (2, "user_principal_name"), (3, "duration_seconds"), (4, "duration_seconds"),
        (5, "end_at"), (6, "callee_number"), (7, "call_id"), (8, ""), (9, "callee_number")]
    messages = {e.index: e.message for e in result.errors}
    assert messages[2] == "No user 'ghost@contoso.test' exists in this organization."
    assert messages[3] == "A call cannot last -1 seconds: the duration must be 0 or more."
    assert messages[6] == "Not recorded: premium-rate destination."
    assert list(CallRecord.objects.values_list("call_id", flat=True)) == ["ok"]
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CALL_CHARGE).count() == 1


def test_known_call_ids_are_reported_and_not_charged_again(tenant, ada, now):
    add_credits(tenant, "100.00")
    start = now - datetime.timedelta(hours=1)
    call_records_import(tenant=tenant, rows=[row("r1", start, 61)], actor=None)
    call_authorize(tenant=tenant, call_id="live-1", call_type="user_out", callee_number=UK_MOBILE, start_at=start,
                   user_principal_name=ada.upn)

    result = call_records_import(tenant=tenant, rows=[row("r1", start, 61), row("live-1", start, 61),
                                                      row("r2", start, 61), row("r2", start, 61)], actor=None)

    assert (result.imported, result.duplicates) == (1, [(0, "r1"), (1, "live-1"), (3, "r2")])
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CALL_CHARGE).count() == 2
    assert credits_balance(tenant=tenant).balance == Decimal("99.10")


def test_a_call_id_charged_without_a_record_is_known_and_not_charged_again(tenant, ada, now):
    add_credits(tenant, "100.00")
    credits_debit(tenant=tenant, amount=Decimal("0.45"), call_id="charged-1")
    credits_debit(tenant=tenant, amount=Decimal("0.06"), call_id="charged-2", kind=LedgerEntry.Kind.TOLL_FREE_CHARGE)
    start = now - datetime.timedelta(hours=1)

    result = call_records_import(tenant=tenant, rows=[row("charged-1", start, 61), row("new", start, 61),
                                                      row("charged-2", start, 61)], actor=None)

    assert (result.imported, result.duplicates) == (1, [(0, "charged-1"), (2, "charged-2")])
    assert list(CallRecord.objects.values_list("call_id", flat=True)) == ["new"]


def test_rows_the_balance_cannot_cover_are_refused_in_start_time_order(tenant, ada, now):
    add_credits(tenant, "1.00")
    start = now - datetime.timedelta(hours=1)

    result = call_records_import(tenant=tenant, rows=[
        row("later", start + datetime.timedelta(minutes=5), 60, callee=EG_FIXED),  # $0.60
        row("earlier", start, 60, callee=EG_FIXED),  # $0.60, first in time: charged
    ], actor=None)

    assert result.imported == 1
    assert [(e.index, e.field, e.call_id) for e in result.errors] == [(0, "charge", "later")]
    assert "don't cover this call's $0.60" in result.errors[0].message
    assert CallRecord.objects.get().call_id == "earlier"


def test_a_pool_running_out_within_a_batch_sends_the_rest_to_credits(tenant, ada, now):
    add_credits(tenant, "10.00")
    start = now - datetime.timedelta(hours=1)

    day = 24 * 3600
    result = call_records_import(tenant=tenant, rows=[
        row("day-1", start - datetime.timedelta(days=3), day, callee=US_FIXED),
        row("day-2", start - datetime.timedelta(days=2), day, callee=US_FIXED),
        row("rest", start - datetime.timedelta(days=1), 119 * 60, callee=US_FIXED),  # 2,999 of 3,000 minutes
        row("over", start, 150, callee=US_FIXED),
    ], actor=None)

    assert result.errors == []
    over = CallRecord.objects.get(call_id="over")
    assert (over.pool_minutes, over.credit_minutes, over.charge) == (1, 2, Decimal("0.04"))


def test_each_row_of_a_batch_is_routed_by_its_own_caller_and_destination(tenant, ada, now):
    add_credits(tenant, "10.00")
    make_caller(tenant, "MCOEV", "MCOPSTN1", upn="bob@contoso.test")  # a calling plan, no credits license
    make_caller(tenant, "MCOPSTN1", "MCOPSTNC", upn="cy@contoso.test")  # no Teams Phone
    start = now - datetime.timedelta(hours=1)

    result = call_records_import(tenant=tenant, rows=[
        row(f"{who}-{where}", start, 61, callee=number, upn=f"{who}@contoso.test")
        for who in ("ada", "bob", "cy") for where, number in (("us", US_FIXED), ("uk", UK_MOBILE))
    ] + [row("ada-uk-again", start, 61)], actor=None)

    records = {r.call_id: (r.capability, r.pool_minutes, r.charge) for r in CallRecord.objects.all()}
    assert records == {"ada-us": ("MCOPSTN1", 2, 0), "ada-uk": ("MCOPSTNPP", 0, Decimal("0.45")),
                       "bob-us": ("MCOPSTN1", 2, 0), "ada-uk-again": ("MCOPSTNPP", 0, Decimal("0.45"))}
    assert [(e.index, e.field, e.call_id, e.message) for e in result.errors] == [
        (3, "user_principal_name", "bob-uk", "Not recorded: no communications credits license."),
        (4, "user_principal_name", "cy-us", "Not recorded: no teams phone license."),
        (5, "user_principal_name", "cy-uk", "Not recorded: no teams phone license."),
    ]


def test_more_than_10000_rows_are_refused_whole(tenant, ada, now):
    with pytest.raises(Exception, match="At most 10,000 call records per request; this one has 10,001"):
        call_records_import(tenant=tenant, rows=[{}] * 10_001, actor=None)
    assert not CallRecord.objects.exists()


def test_queries_do_not_grow_with_the_rows_of_a_batch(tenant, ada, now):
    add_credits(tenant, "100.00")
    start = now - datetime.timedelta(hours=1)

    def queries_for(count, prefix):
        rows = [row(f"{prefix}{i}", start, 61 + i, callee=UK_MOBILE if i % 2 else US_FIXED) for i in range(count)]
        with CaptureQueriesContext(connection) as captured:
            result = call_records_import(tenant=tenant, rows=rows, actor=None)
        assert result.imported == count
        # SQLite takes a bulk insert in chunks of its parameter limit (PostgreSQL: one COPY), so chunks count once.
        chunks = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "rating_callrecord"')]
        assert len(chunks) <= 1 or connection.vendor == "sqlite"
        return len(captured) - len(chunks) + 1

    queries_for(1, "warm-up")  # the catalogue's entitlements are read once per process and minute
    assert queries_for(4, "a") == queries_for(80, "b")


def test_the_import_endpoint_answers_in_camel_case(tenant, ada, now, api_client_for):
    add_credits(tenant, "10.00")
    start = (now - datetime.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    body = {"value": [
        {"callId": "a1", "callType": "user_out", "userPrincipalName": "ada@contoso.test", "calleeNumber": UK_MOBILE,
         "startDateTime": start, "durationSeconds": 61},
        {"callId": "a2", "callType": "user_out", "userPrincipalName": "ada@contoso.test", "calleeNumber": UK_MOBILE,
         "startDateTime": start, "duration": -3},
        {"callId": "a1", "callType": "user_out", "userPrincipalName": "ada@contoso.test", "calleeNumber": UK_MOBILE,
         "startDateTime": start, "durationSeconds": 61},
    ]}

    response = api_client_for(tenant).post(IMPORT, body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "imported": 1, "charged": "0.45", "currency": "USD", "poolMinutes": 0, "creditMinutes": 2,
        "duplicates": [{"index": 2, "callId": "a1"}],
        "errors": [{"index": 1, "callId": "a2", "field": "durationSeconds",
                    "message": "A call cannot last -3 seconds: the duration must be 0 or more."}],
    }


def test_the_import_endpoint_wants_a_list(tenant, api_client_for):
    response = api_client_for(tenant).post(IMPORT, {"value": "rows"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("value: send the call records as a list")
