"""Simulated traffic (simulate_calls) and the Contoso demo: realistic, deterministic, idempotent, and in the ledger."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.credits.ledger_check import ledger_problems
from billing.credits.models import LedgerEntry
from billing.rating.models import BlockedCall, CallAuthorization, CallRecord, TenantPhoneNumber
from billing.rating.simulation import simulate_traffic
from core.money import money_sum
from tests.rating.factories import add_credits, make_caller, service_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_tenant(tenant):
    for i in range(4):
        make_caller(tenant, "SPE_E5", "MCOPSTN1", "MCOPSTNC", number=f"+1425555{i:04d}")
    make_caller(tenant, "SPE_E5", "MCOPSTN2", "MCOPSTNC", country="GB", number="+442079460100")
    make_caller(tenant, "SPE_E3")
    service_number(tenant, "+14255559000", TenantPhoneNumber.Kind.CONFERENCING)
    service_number(tenant, "+18005550100", TenantPhoneNumber.Kind.TOLL_FREE)
    add_credits(tenant, "500.00")
    return tenant


def charges_in_ledger(tenant):
    return -money_sum(LedgerEntry.objects.filter(account__tenant=tenant, kind__in=LedgerEntry.CHARGE_KINDS), "amount")


def test_simulated_traffic_is_realistic_and_charged_like_real_calls(busy_tenant):
    started = timezone.now()
    result = simulate_traffic(tenant=busy_tenant, days=30, calls=300, seed=7)

    assert result.attempts == 300 and result.skipped == []
    assert result.completed + result.blocked == 300 and result.blocked > 0
    records = CallRecord.objects.filter(tenant=busy_tenant)
    assert records.count() == result.completed
    kinds = set(records.values_list("call_type", flat=True))
    assert {"user_out", "user_in", "conf_out", "conf_in", "unassigned_in"} <= kinds
    assert {"MCOPSTN1", "MCOMEETADD", "MCOPSTNPP"} <= set(records.values_list("capability", flat=True))
    assert set(BlockedCall.objects.values_list("reason", flat=True)) <= {"no_teams_phone", "premium_destination"}
    assert money_sum(records, "charge") == charges_in_ledger(busy_tenant) > 0
    assert not CallAuthorization.objects.filter(status=CallAuthorization.Status.HELD).exists()
    # Each charge is dated when its call ended, so the spend is spread over the days simulated.
    ends = dict(records.filter(charge__gt=0).values_list("call_id", "end_at"))
    charged_at = dict(LedgerEntry.objects.filter(call_id__in=ends).values_list("call_id", "created_at"))
    assert charged_at.keys() == ends.keys()
    assert all(charged_at[call] == ends[call] for call in ends if ends[call] < started)  # later ones: the moment seeded
    assert len({moment.date() for moment in charged_at.values()}) > 10
    assert ledger_problems() == []


def test_the_same_seed_makes_the_same_calls_so_running_again_changes_nothing(busy_tenant):
    simulate_traffic(tenant=busy_tenant, days=7, calls=60, seed=3)
    before = (CallRecord.objects.count(), BlockedCall.objects.count(), charges_in_ledger(busy_tenant))

    simulate_traffic(tenant=busy_tenant, days=7, calls=60, seed=3)

    assert (CallRecord.objects.count(), BlockedCall.objects.count(), charges_in_ledger(busy_tenant)) == before


def test_simulate_calls_command_reports_what_it_did(busy_tenant):
    out = StringIO()
    call_command("simulate_calls", tenant="CONTOSO.test", days=5, calls=40, stdout=out)

    assert out.getvalue().startswith("Contoso Test: 40 call attempts over 5 days: ")
    assert CallRecord.objects.filter(tenant=busy_tenant).exists()


def test_simulate_calls_names_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant has the domain 'nowhere.example'."):
        call_command("simulate_calls", tenant="nowhere.example", stdout=StringIO())
