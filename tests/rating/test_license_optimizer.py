"""The license optimizer (billing/rating/optimizer/) on small histories imported through the real rating engine, with
the recommended mixes, savings and totals worked out by hand from the operator's default deck: US $0.019 a minute,
UK fixed $0.024; Domestic Calling Plan $12, Domestic and International $24, Pay-As-You-Go $4, Audio Conferencing $4
a month. The window is the 30 days before June 20, 2026, so a month of figures is the window's figures."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing.rating.models import CallRecord
from billing.rating.optimizer.inputs import optimizer_inputs
from billing.rating.optimizer.mixes import NotAvailable
from billing.rating.optimizer.rerate import Mix, Router
from billing.rating.optimizer.search import optimize, what_if
from billing.rating.services import call_records_import
from tests.rating.factories import add_credits, make_caller

D = Decimal
TODAY = date(2026, 6, 20)
US_FIXED, UK_FIXED = "+14255550100", "+442079460000"


@pytest.fixture(autouse=True)
def june(clock):
    return clock.move_to(datetime(2026, 6, 20, 12, tzinfo=UTC))


@pytest.fixture
def calls(tenant):
    """calls(user, count, minutes, callee, first_day=June 1, call_type="user_out"): imports `count` calls of whole
    minutes, one a day at 10:00 from `first_day`, through the real rating engine."""
    add_credits(tenant, "5000.00")
    serial = iter(range(1, 100_000))

    def make(user, count, minutes, callee, *, first_day=date(2026, 6, 1), call_type="user_out"):
        rows = [{"call_id": f"c{next(serial)}", "call_type": call_type, "user_principal_name": user.upn,
                 "callee_number": callee, "duration_seconds": minutes * 60,
                 "start_at": datetime(first_day.year, first_day.month, first_day.day, 10, tzinfo=UTC) + timedelta(days=n)}
                for n in range(count)]
        result = call_records_import(tenant=tenant, rows=rows, actor=None)
        assert result.errors == [] and result.imported == count
    return make


def test_people_move_to_the_plan_their_own_calls_make_cheapest(tenant, calls):
    ann = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Ann")
    bob = make_caller(tenant, "MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC", display_name="Bob")
    cy = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Cy")
    calls(ann, 10, 10, US_FIXED)  # 100 minutes: 10 x $0.19
    calls(bob, 19, 50, US_FIXED)  # 950 minutes: 19 x $0.95 = $18.05 on Pay-As-You-Go
    calls(cy, 4, 50, UK_FIXED)  # 200 international minutes: 4 x $1.20 = $4.80
    calls(cy, 10, 50, US_FIXED, first_day=date(2026, 6, 5))  # 500 domestic minutes

    report = optimize(optimizer_inputs(tenant=tenant, days=30, today=TODAY))
    # Now: Ann $12; Bob $4 + $18.05; Cy $12 + $4.80 (international is paid from credits on Domestic): $28 + $22.85.
    assert (report.current.licenses, report.current.credits) == (D("28.00"), D("22.85"))
    # Ann on Pay-As-You-Go: $4 + $1.90. Bob on Domestic: $12, the pool (2 x 3,000) pays his minutes. Cy stays:
    # Pay-As-You-Go would be $4 + $9.50 + $4.80, Domestic and International $24.
    assert (report.recommended.licenses, report.recommended.credits) == (D("28.00"), D("6.70"))
    assert report.saving == D("16.15") and report.calls == 43 and report.people == 3
    changes = {change.person.display_name: change for change in report.changes}
    assert set(changes) == {"Ann", "Bob"}
    assert (changes["Ann"].before, changes["Ann"].after) == (
        "Microsoft Teams Domestic Calling Plan + Communications Credits",
        "Microsoft Teams Calling Plan pay-as-you-go (country zone 1 - US/PR/UK/CA) + Communications Credits")
    assert (changes["Ann"].license_before, changes["Ann"].license_after, changes["Ann"].credits_after) == (
        D("12.00"), D("4.00"), D("1.90"))
    assert (changes["Bob"].saving, changes["Ann"].saving) == (D("10.05"), D("6.10"))
    lines = {line.part: (line.added, line.removed, line.monthly_change) for line in report.licenses}
    assert lines == {"MCOPSTN1": (1, 1, D("0.00")), "MCOPSTN_PAYG_1": (1, 1, D("0.00"))}


def test_a_shared_pool_makes_a_second_domestic_plan_pay_for_itself(tenant, calls):
    # UK plans give 1,200 minutes a person, pooled. Dee's 19 calls of 75 minutes (1,425) fill her pool with the
    # first 16; the last three overflow: 3 x 75 x $0.024 = $5.40. Eve pays $4 + 16 x $1.20 = $23.20 on
    # Pay-As-You-Go. With Eve on Domestic the pool holds 2,400 for 2,225 minutes: $24 in all, nothing from credits.
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", country="GB", display_name="Dee")
    eve = make_caller(tenant, "MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC", country="GB", display_name="Eve")
    calls(tenant.users.get(display_name="Dee"), 19, 75, UK_FIXED)
    calls(eve, 16, 50, UK_FIXED)
    report = optimize(optimizer_inputs(tenant=tenant, days=30, today=TODAY))
    assert (report.current.licenses, report.current.credits) == (D("16.00"), D("24.60"))
    assert (report.recommended.licenses, report.recommended.credits, report.saving) == (D("24.00"), D("0.00"), D("16.60"))
    # Only Eve changes, saving $11.20 of her own; the other $5.40 is Dee's overflow, paid now by the shared pool.
    assert [(change.person.display_name, change.saving) for change in report.changes] == [("Eve", D("11.20"))]


def test_audio_conferencing_of_someone_who_never_dials_out_is_given_up_when_credits_cost_less(tenant, calls):
    # Each assigned Audio Conferencing license adds 60 dial-out minutes to one pool. Fay dials out 4 x 50 minutes to
    # the UK (Zone A). With Gus's license too the pool holds 120: 80 minutes overflow, $1.92. Without it, 60: 140
    # minutes, $3.36. $1.44 more credits for $4 less in licenses: Gus's license goes.
    fay = make_caller(tenant, "MCOMEETADV", "MCOPSTNC", country="GB", display_name="Fay")
    make_caller(tenant, "MCOMEETADV", country="GB", display_name="Gus")
    calls(fay, 4, 50, UK_FIXED, call_type="conf_out")
    report = optimize(optimizer_inputs(tenant=tenant, days=30, today=TODAY))
    assert (report.current.licenses, report.current.credits) == (D("8.00"), D("1.92"))
    assert (report.recommended.licenses, report.recommended.credits, report.saving) == (D("4.00"), D("3.36"), D("2.56"))
    assert [(c.person.display_name, c.before, c.after) for c in report.changes] == [
        ("Gus", "Microsoft 365 Audio Conferencing", "No calling or conferencing license")]
    assert report.audio_conferencing == (2, 1)
    assert [(line.part, line.removed) for line in report.licenses] == [("MCOMEETADV", 1)]


def test_re_rating_the_licenses_people_hold_gives_back_what_the_rating_engine_charged(tenant):
    """Differential: the optimizer's re-rating of the mix as it is equals the charges of the imported records, pools
    filled and overflowing across May and June, before and inside the window."""
    add_credits(tenant, "5000.00")
    dee = make_caller(tenant, "MCOEV", "MCOPSTN5", "MCOPSTNC", country="GB", display_name="Dee")  # 120 min, pooled
    ivy = make_caller(tenant, "MCOEV", "MCOPSTN5", "MCOPSTNC", country="GB", display_name="Ivy")
    joe = make_caller(tenant, "MCOEV", "MCOPSTN2", "MCOPSTNC", display_name="Joe")  # 600 international minutes
    kit = make_caller(tenant, "MCOEV", "MCOPSTN8", "MCOPSTNC", display_name="Kit")  # 120 minutes of his own
    fay = make_caller(tenant, "MCOMEETADV", "MCOPSTNC", country="GB", display_name="Fay")  # 60 dial-out minutes
    plan = [(dee, 12, 17, UK_FIXED, date(2026, 5, 25), "user_out"), (ivy, 9, 23, "+447400123456", date(2026, 5, 25), "user_out"),
            (joe, 20, 59, UK_FIXED, date(2026, 5, 20), "user_out"), (joe, 5, 7, "+20212345678", date(2026, 6, 1), "user_out"),
            (kit, 8, 19, US_FIXED, date(2026, 6, 1), "user_out"), (fay, 6, 23, UK_FIXED, date(2026, 5, 29), "conf_out")]
    rows = [{"call_id": f"{who.display_name}-{first}-{n}", "call_type": kind, "user_principal_name": who.upn,
             "callee_number": callee, "duration_seconds": minutes * 60 + n * 7,
             "start_at": datetime(first.year, first.month, first.day, 9 + n % 5, tzinfo=UTC) + timedelta(days=n)}
            for who, count, minutes, callee, first, kind in plan for n in range(count)]
    result = call_records_import(tenant=tenant, rows=rows, actor=None)  # one batch: pools filled in start order
    assert result.errors == [] and result.imported == len(rows)
    inputs = optimizer_inputs(tenant=tenant, days=30, today=TODAY)
    mix = Mix(people=inputs.people, calls_by_user=inputs.calls_by_user, prices=inputs.prices,
              router=Router(not_pooled=inputs.not_pooled), months=inputs.months)
    charged = list(CallRecord.objects.filter(start_at__gte=datetime(2026, 5, 21, tzinfo=UTC)))
    assert sum((record.charge for record in charged), D(0)) > D("5")
    assert mix.credits == sum((record.charge for record in charged), D(0))
    assert mix.cost()[1] == 0  # nothing the rating engine allowed is blocked
    for person in (dee, ivy, joe, kit, fay):
        own = sum((record.charge for record in charged if record.user_id == person.pk), D(0))
        assert mix.person_costs(person.pk)[1] == own, person.display_name


def test_a_tenant_without_calls_is_told_there_is_not_enough_history(tenant):
    make_caller(tenant, "MCOEV", "MCOPSTN1", display_name="Ann")
    report = optimize(optimizer_inputs(tenant=tenant, days=90, today=TODAY))
    assert not report.ok and report.changes == ()
    assert report.message.startswith("Not enough history: no calls were made by your users in the last 90 days")


def test_what_if_one_person_changes_plan_shows_their_cost_and_the_tenants(tenant, calls):
    bob = make_caller(tenant, "MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC", display_name="Bob")
    calls(bob, 19, 50, US_FIXED)
    found = what_if(optimizer_inputs(tenant=tenant, days=30, today=TODAY), pk=bob.pk, option="domestic")
    assert (found.license_before, found.credits_before, found.license_after, found.credits_after) == (
        D("4.00"), D("18.05"), D("12.00"), D("0.00"))
    assert found.tenant_saving == D("10.05") and found.blocked == 0


def test_what_if_a_plan_not_sold_in_the_persons_usage_location_says_so(tenant, calls):
    aki = make_caller(tenant, "MCOEV", "MCOPSTNC", "MCOMEETADV", country="IN", display_name="Aki")
    inputs = optimizer_inputs(tenant=tenant, days=30, today=TODAY)
    with pytest.raises(NotAvailable, match="Domestic Calling Plan isn't available for users whose usage location is India."):
        what_if(inputs, pk=aki.pk, option="domestic")
    with pytest.raises(NotAvailable, match="Pay-As-You-Go Calling Plan with Communications Credits isn't available"):
        what_if(inputs, pk=aki.pk, option="payg")
