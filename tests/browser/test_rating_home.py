"""A Teams Communications admin signs in and reads this month's calling on Home's Calling card."""
from django.utils import timezone
from playwright.sync_api import expect

from billing.rating.models import MinutePool
from billing.rating.pools import pool_month
from billing.rating.selectors import today_utc
from billing.rating.services import call_authorize, call_complete, rate_deck_import
from tests.licensing.factories import ensure_catalogue
from tests.rating.conftest import deck_csv
from tests.rating.factories import CALLING_DECK, UK_MOBILE, US_FIXED, US_PREMIUM, add_credits, make_caller, pool_used


def test_teams_admin_sees_calls_minutes_and_a_pool_near_full_on_home(page, sign_in, teams_comms_admin, tenant, screenshot):
    ensure_catalogue()
    rate_deck_import(content=deck_csv(*CALLING_DECK), effective_from=today_utc(), tenant=tenant, name="Calling deck")
    caller = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", display_name="Ada Lovelace")
    add_credits(tenant, "20.00")
    now = timezone.now()
    pool_used(tenant, month=pool_month(now), kind=MinutePool.Kind.DOMESTIC, plan="MCOPSTN1", used=2700)
    for call_id, callee, seconds in (("c1", US_FIXED, 600), ("c2", UK_MOBILE, 61), ("c3", US_PREMIUM, 0)):
        decision = call_authorize(tenant=tenant, call_id=call_id, call_type="user_out", callee_number=callee,
                                  start_at=now, user_principal_name=caller.upn)
        if decision.allowed:
            call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds)
    sign_in(teams_comms_admin)

    page.goto("/")
    card = page.locator(".card", has=page.get_by_role("heading", name="Calling"))
    expect(card).to_contain_text("Calls this month")
    expect(card).to_contain_text("2")
    expect(card).to_contain_text("$0.45")
    expect(card).to_contain_text("Domestic Calling Plan, United States and Puerto Rico: 90% of this month's minutes used "
                                 "(2,710 of 3,000)")
    expect(card).to_contain_text("1 call attempt blocked this month")
    screenshot("home-calling-card")
