"""The Calling card on Home, the hold-expiry task, and the tenant's phone number inventory."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLog
from billing.rating.home import cards
from billing.rating.models import CallAuthorization, MinutePool, TenantPhoneNumber
from billing.rating.pools import pool_month
from billing.rating.services import call_authorize, call_complete, phone_number_add, phone_number_release
from billing.rating.tasks import expire_call_authorizations
from tests.factories import UserFactory
from tests.rating.factories import UK_MOBILE, US_FIXED, add_credits, make_caller, pool_used

pytestmark = pytest.mark.django_db


def place(tenant, user, callee, now, call_id, seconds):
    call_authorize(tenant=tenant, call_id=call_id, call_type="user_out", callee_number=callee, start_at=now,
                   user_principal_name=user.upn)
    return call_complete(tenant=tenant, call_id=call_id, duration_seconds=seconds)


def test_home_shows_this_months_calls_and_the_pools_near_full(client_as, global_admin, tenant, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC")
    add_credits(tenant, "5.00")
    pool_used(tenant, month=pool_month(now), kind=MinutePool.Kind.DOMESTIC, plan="MCOPSTN1", used=2540)
    place(tenant, user, US_FIXED, now, "c1", 125)
    place(tenant, user, UK_MOBILE, now, "c2", 61)
    call_authorize(tenant=tenant, call_id="c3", call_type="user_out", callee_number="+19005550100", start_at=now,
                   user_principal_name=user.upn)

    response = client_as(global_admin).get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Calling" in page and "Calls this month" in page
    card = cards(type("Request", (), {"user": global_admin, "tenant": tenant})())[0]
    assert card["figures"] == [("Calls this month", "2"), ("Minutes", "4"), ("Charged to credits", "$0.45")]
    assert card["lines"] == ["Domestic Calling Plan, United States and Puerto Rico: 84% of this month's minutes used "
                             "(2,543 of 3,000)", "1 call attempt blocked this month"]
    assert ("Rate decks", "/billing/rates/") in card["links"]


def test_the_calling_card_reads_the_same_queries_however_many_calls(tenant, global_admin, calling_deck, now):
    user = make_caller(tenant, "MCOEV", "MCOPSTN1")
    request = type("Request", (), {"user": global_admin, "tenant": tenant})()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            cards(request)
        return len(captured)

    place(tenant, user, US_FIXED, now, "c1", 60)
    queries()  # the admin's roles are read once per request
    few = queries()
    for i in range(2, 12):
        place(tenant, user, US_FIXED, now, f"c{i}", 60)
    assert queries() == few == 3


def test_the_calling_card_is_for_reports_and_billing_readers(tenant, reports_reader, license_admin):
    def request(user):
        return type("Request", (), {"user": user, "tenant": tenant})()

    assert cards(request(reports_reader))[0]["title"] == "Calling"
    assert cards(request(license_admin)) == []


def test_the_expiry_task_ends_forgotten_holds(tenant, calling_deck, now):
    make_caller(tenant, "MCOEV", "MCOPSTN1", number="+14255550123")
    call_authorize(tenant=tenant, call_id="c1", call_type="user_in", callee_number="+14255550123", start_at=now)
    CallAuthorization.objects.update(expires_at=now - datetime.timedelta(minutes=1))  # the platform never completed it

    assert expire_call_authorizations.delay().get() == {"expired": 1}
    assert CallAuthorization.objects.get().status == CallAuthorization.Status.EXPIRED
    assert expire_call_authorizations.delay().get() == {"expired": 0}


def test_numbers_are_added_to_the_inventory_with_an_audit_row(tenant, global_admin):
    user = UserFactory(tenant=tenant)

    own = phone_number_add(tenant=tenant, number="+1 425 555 0100", kind="user", user=user, actor=global_admin)
    free = phone_number_add(tenant=tenant, number="+18005550100", kind="toll_free", label="Support", actor=global_admin)

    assert (own.e164, own.country, own.user) == ("+14255550100", "US", user)
    assert (free.kind, free.is_toll_free) == ("toll_free", True)
    assert AuditLog.objects.filter(action="phone_number.add").count() == 2
    phone_number_release(phone_number=free, actor=global_admin)
    assert not TenantPhoneNumber.objects.filter(e164="+18005550100").exists()


@pytest.mark.parametrize(("number", "kind", "message"), [
    ("+1425", "user", "'+1425' is not a valid phone number"),
    ("+14255550100", "toll_free", "+1 425-555-0100 is not a toll-free number."),
    ("+18005550100", "conferencing", "+1 800-555-0100 is a toll-free number"),
    ("+14255550100", "fax", "'fax' is not a number type"),
])
def test_impossible_inventory_numbers_are_refused(tenant, global_admin, number, kind, message):
    with pytest.raises(ValidationError) as caught:
        phone_number_add(tenant=tenant, number=number, kind=kind, actor=global_admin)
    assert message in str(caught.value)
    assert not TenantPhoneNumber.objects.exists()


def test_a_number_belongs_to_one_tenant(tenant, other_tenant, global_admin):
    phone_number_add(tenant=tenant, number="+14255550100", kind="conferencing", actor=global_admin)

    with pytest.raises(ValidationError, match="already in use"):
        phone_number_add(tenant=other_tenant, number="+14255550100", kind="conferencing", actor=None)
