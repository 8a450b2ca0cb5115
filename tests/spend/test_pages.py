"""The calling policy page and a user's spend-limit panel: who may use them, what they show, bad input."""
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.spend.models import CallingPolicy, UserCallingPolicy
from billing.spend.services import calling_policy_update
from tests.rating.factories import make_caller

pytestmark = pytest.mark.django_db


def test_the_calling_policy_page_saves_and_refuses_bad_input(tenant, global_admin, client_as):
    client = client_as(global_admin)
    assert client.get(reverse("spend:calling_policy")).status_code == 200
    refused = client.post(reverse("spend:calling_policy"), {"enable_spend_limits": "on", "user_spend_limit": "-5",
                                                            "slice_minutes": "10"})
    assert refused.status_code == 400 and b"can&#x27;t be below $0.00" in refused.content
    assert not CallingPolicy.objects.exists()
    refused = client.post(reverse("spend:calling_policy"), {"user_spend_limit": "5", "slice_minutes": "999"})
    assert refused.status_code == 400 and b"A slice is 1 to 240 minutes" in refused.content
    saved = client.post(reverse("spend:calling_policy"), {"enable_spend_limits": "on", "user_spend_limit": "$25",
                                                          "slice_minutes": "5"}, follow=True)
    assert b"Calling policy saved." in saved.content
    policy = CallingPolicy.objects.get()
    assert (policy.enable_spend_limits, policy.user_spend_limit, policy.slice_minutes) == (True, Decimal("25.00"), 5)


def test_a_billing_reader_sees_the_policy_but_cannot_change_it(tenant, billing_admin, reports_reader, client_as):
    assert client_as(reports_reader).get(reverse("spend:calling_policy")).status_code == 403


def test_the_users_panel_shows_the_months_spend_and_sets_an_own_limit(tenant, global_admin, client_as):
    person = make_caller(tenant, "MCOEV", "MCOPSTNC", upn="ada@contoso.test", display_name="Ada Lovelace")
    calling_policy_update(tenant=tenant, actor=global_admin, enable_spend_limits=True, user_spend_limit="20")
    client = client_as(global_admin)
    url = reverse("spend:user_spend", args=[person.pk])
    page = client.get(url, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and b"$20.00 (calling policy)" in page.content
    refused = client.post(url, {"spend_limit": "abc"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and b"isn&#x27;t an amount in US dollars" in refused.content
    saved = client.post(url, {"spend_limit": "7.50"}, HTTP_HX_REQUEST="true")
    assert b"$7.50 (this user's own)" in saved.content
    assert UserCallingPolicy.objects.get(user=person).spend_limit == Decimal("7.50")
    client.post(url, {"spend_limit": ""}, HTTP_HX_REQUEST="true")
    assert not UserCallingPolicy.objects.exists()


def test_the_panel_needs_users_and_billing_and_the_tenant(tenant, other_tenant_admin, user_admin, billing_admin,
                                                          global_admin, client_as):
    person = make_caller(tenant, "MCOEV")
    url = reverse("spend:user_spend", args=[person.pk])
    assert client_as(user_admin).get(url).status_code == 403
    assert client_as(billing_admin).get(url).status_code == 403
    assert client_as(other_tenant_admin).get(url).status_code == 404


def test_the_calling_policy_page_adds_a_destination_policy_and_applies_it_to_everyone(tenant, global_admin, client_as):
    from billing.spend.models import DestinationPolicy

    client = client_as(global_admin)
    refused = client.post(reverse("spend:destination_add"), {"name": "No UK", "blocked_countries": "GB, XX"})
    assert refused.status_code == 400 and b"XX" in refused.content and b"ISO 3166" in refused.content
    added = client.post(reverse("spend:destination_add"), {"name": "No UK", "blocked_countries": "gb",
                                                           "blocked_number_types": "premium, mobile",
                                                           "max_concurrent_calls": "2"}, follow=True)
    assert b"Destination policy &#x27;No UK&#x27; added." in added.content
    policy = DestinationPolicy.objects.get()
    assert (policy.blocked_countries, policy.blocked_number_types, policy.max_concurrent_calls) == (
        "GB", "mobile,premium", 2)
    client.post(reverse("spend:destination_default"), {"destination_policy": str(policy.pk)})
    assert CallingPolicy.objects.get().destination_policy_id == policy.pk
    bad = client.post(reverse("spend:destination_default"), {"destination_policy": "999999"}, follow=True)
    assert b"No destination policy" in bad.content
