"""Daily totals of call records (billing/rating/usage_days.py): whatever writes call records, the kept totals equal
the records' own sums, and the PSTN usage report's totals read from them equal summing the records."""
import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum

from billing.rating.models import CallRecord, CallUsageChange, CallUsageDay, TenantPhoneNumber
from billing.rating.services import call_authorize, call_complete, call_records_import
from billing.rating.tasks import fold_usage_days
from billing.rating.usage_days import usage_days_forget, usage_days_mismatches, usage_days_rebuild
from core.money import MoneySum
from reporting.parameters import UsageFilters, UsageParameters
from reporting.periods import DateRange
from reporting.selectors.usage import calls_for, pstn_usage_totals
from tests.rating.factories import EG_FIXED, UK_MOBILE, US_FIXED, add_credits, make_caller, service_number
from tests.reporting.factories import CallRecordFactory

pytestmark = pytest.mark.django_db
TOLL_FREE_NUMBER = "+18885550100"


@pytest.fixture
def callers(tenant, calling_deck):
    service_number(tenant, TOLL_FREE_NUMBER, TenantPhoneNumber.Kind.TOLL_FREE)
    ada = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")
    bo = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", country="GB", upn="bo@contoso.test",
                     number="+442079460111")
    return ada, bo


def by_hand(tenant, parameters):
    """The report's totals summed straight from the call records."""
    found = calls_for(tenant=tenant, parameters=parameters).aggregate(
        calls=Count("id"), seconds=Sum("duration_seconds"), charge=MoneySum("charge"))
    return found["calls"], found["seconds"] or 0, (found["charge"] or Decimal("0")).quantize(Decimal("0.01"))


def totals(tenant, parameters):
    found = pstn_usage_totals(tenant=tenant, parameters=parameters)
    return found.calls, found.seconds, found.charge


def write_every_way(tenant, callers, now, rng):
    """Live calls (paid by credits, by the pool, free), an import of many rows, and records written directly."""
    ada, bo = callers
    callees = [UK_MOBILE, US_FIXED, EG_FIXED]
    for n in range(12):
        caller = (ada, bo)[n % 2]
        start = now - datetime.timedelta(hours=1, minutes=n)
        decision = call_authorize(tenant=tenant, call_id=f"live-{n}", call_type="user_out",
                                  callee_number=callees[n % 3], start_at=start, user_principal_name=caller.upn)
        if decision.allowed:
            call_complete(tenant=tenant, call_id=f"live-{n}", duration_seconds=rng.randint(1, 900), now=now)
    call_authorize(tenant=tenant, call_id="inbound-1", call_type="unassigned_in", callee_number=TOLL_FREE_NUMBER,
                   caller_number=UK_MOBILE, start_at=now - datetime.timedelta(minutes=30))
    call_complete(tenant=tenant, call_id="inbound-1", duration_seconds=95, now=now)
    rows = [{"call_id": f"imported-{n}", "call_type": "user_out", "user_principal_name": (ada, bo)[n % 2].upn,
             "callee_number": callees[n % 3], "duration_seconds": rng.randint(1, 1800),
             # over three days, across two midnights (UTC)
             "start_at": now - datetime.timedelta(days=3) + datetime.timedelta(minutes=rng.randint(0, 3 * 24 * 60 - 90))}
            for n in range(60)]
    rows.append({"call_id": "imported-tf", "call_type": "unassigned_in", "callee_number": TOLL_FREE_NUMBER,
                 "caller_number": UK_MOBILE, "duration_seconds": 61, "start_at": now - datetime.timedelta(hours=2)})
    result = call_records_import(tenant=tenant, rows=rows, actor=None)
    assert result.imported == len(rows)
    CallRecordFactory.create_batch(5, tenant=tenant, user=ada, start_at=now - datetime.timedelta(days=1),
                                   charge=Decimal("0.37"), capability="MCOPSTNPP", destination_context="International")
    CallRecordFactory.create(tenant=tenant, user=None, start_at=now - datetime.timedelta(days=2), call_type="user_in",
                             capability="FREECALL", duration_seconds=0, usage_country="")


def test_every_way_of_writing_call_records_keeps_the_daily_totals_equal_to_the_records(tenant, callers, now):
    add_credits(tenant, "500.00")
    write_every_way(tenant, callers, now, random.Random(18))

    assert CallUsageChange.objects.filter(tenant=tenant).exists()
    assert usage_days_mismatches(tenant_id=tenant.pk) == []
    changes = CallUsageChange.objects.count()
    assert fold_usage_days() == {"folded": changes}
    assert not CallUsageChange.objects.exists() and CallUsageDay.objects.filter(tenant=tenant).exists()
    assert usage_days_mismatches(tenant_id=tenant.pk) == []
    # Changed and removed records move their days too, before a fold and after it.
    first = CallRecord.objects.filter(tenant=tenant, source="import").order_by("start_at").first()
    assert first is not None
    CallRecord.objects.filter(pk=first.pk).update(charge=first.charge + Decimal("1.25"), duration_seconds=4000,
                                                  start_at=first.start_at - datetime.timedelta(days=1))
    CallRecord.objects.filter(tenant=tenant, call_id__in=["imported-7", "imported-tf"]).delete()
    assert usage_days_mismatches(tenant_id=tenant.pk) == []
    fold_usage_days()
    assert fold_usage_days() == {"folded": 0}  # a second run finds nothing left
    assert usage_days_mismatches(tenant_id=tenant.pk) == []


def test_the_reports_totals_equal_summing_the_records_for_every_filter_and_range(tenant, callers, now):
    add_credits(tenant, "500.00")
    write_every_way(tenant, callers, now, random.Random(21))
    ada, _ = callers
    today = now.date()
    ranges = [DateRange(today - datetime.timedelta(days=days - 1), today, days) for days in (1, 2, 7, 28)]
    ranges.append(DateRange(today - datetime.timedelta(days=3), today - datetime.timedelta(days=2)))
    filter_sets = [UsageFilters(), UsageFilters(call_type="user_out"), UsageFilters(context="International"),
                   UsageFilters(country="GB"), UsageFilters(capability="MCOPSTNPP"),
                   UsageFilters(call_type="unassigned_in", capability="MCOPSTNPP"),
                   UsageFilters(username=ada.upn, user_id=ada.pk)]
    checked = 0
    for folded in (False, True):  # changes not folded yet, then folded into the days
        if folded:
            fold_usage_days()
        for period in ranges:
            for filters in filter_sets:
                parameters = UsageParameters(period=period, filters=filters)
                assert totals(tenant, parameters) == by_hand(tenant, parameters), (folded, period, filters)
                checked += by_hand(tenant, parameters)[0]
    assert checked > 0


def test_the_totals_count_a_call_on_the_utc_day_it_started(tenant, callers, now):
    late = datetime.datetime.combine(now.date() - datetime.timedelta(days=1), datetime.time(23, 59, 59, 900000),
                                     tzinfo=datetime.UTC)
    CallRecordFactory.create(tenant=tenant, start_at=late, duration_seconds=120, charge=Decimal("1.10"),
                             capability="MCOPSTNPP")
    today = DateRange(now.date(), now.date(), 1)
    yesterday = DateRange(late.date(), late.date())
    assert totals(tenant, UsageParameters(period=today)) == (0, 0, Decimal("0.00"))
    assert totals(tenant, UsageParameters(period=yesterday)) == (1, 120, Decimal("1.10"))


def test_a_rebuild_and_a_retired_month_agree_with_the_records(tenant, callers, now):
    CallRecordFactory.create_batch(3, tenant=tenant, start_at=now - datetime.timedelta(days=40), charge=Decimal("0.20"),
                                   capability="MCOPSTNPP")
    CallRecordFactory.create(tenant=tenant, start_at=now, charge=Decimal("0.30"), capability="MCOPSTNPP")
    fold_usage_days()
    CallUsageDay.objects.filter(tenant=tenant).update(calls=99)  # a broken table, as a repair would find it
    assert usage_days_mismatches(tenant_id=tenant.pk) != []
    assert usage_days_rebuild(tenant_id=tenant.pk) == 2
    assert usage_days_mismatches(tenant_id=tenant.pk) == []
    old = (now - datetime.timedelta(days=40)).date()
    # What partitions_retire does after dropping that month's partition (a DROP fires no trigger).
    CallRecord.objects.filter(tenant=tenant, start_at__date=old).delete()
    assert usage_days_forget(start=old, end=old + datetime.timedelta(days=1)) == 1
    assert list(CallUsageDay.objects.filter(tenant=tenant).values_list("day", "calls")) == [(now.date(), 1)]


def test_an_import_counts_its_days_in_one_statement_per_batch_on_postgresql(tenant, callers, now):
    if connection.vendor != "postgresql":
        pytest.skip("statement triggers are PostgreSQL's; SQLite counts row by row")
    add_credits(tenant, "500.00")
    rows = [{"call_id": f"batch-{n}", "call_type": "user_out", "user_principal_name": "ada@contoso.test",
             "callee_number": US_FIXED, "duration_seconds": 60, "start_at": now - datetime.timedelta(hours=2)}
            for n in range(200)]
    call_records_import(tenant=tenant, rows=rows, actor=None)
    assert list(CallUsageChange.objects.filter(tenant=tenant).values_list("calls", "seconds")) == [(200, 12000)]
