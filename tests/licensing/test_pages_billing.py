"""Billing > Your products (buy, remove) and Billing > Licenses (assign, unassign): pages, rules, roles."""
import pytest

from licensing.models import LicenseAssignment, Subscription
from licensing.services import subscription_ensure_communications_credits
from tests.factories import UserFactory
from tests.licensing.factories import give_license, product


def test_your_products_lists_assigned_total_status_and_price(client_as, billing_admin, tenant, subscribe):
    subscribe("MCOPSTN1", 20)
    give_license(UserFactory(tenant=tenant), "MCOPSTN1")
    html = client_as(billing_admin).get("/billing/products/").content.decode()
    assert "Microsoft Teams Domestic Calling Plan" in html
    assert "$12.00" in html and "Active" in html
    (row,) = client_as(billing_admin).get("/billing/products/").context["rows"]
    assert (row["line"].assigned, row["line"].total, row["line"].available) == (1, 20, 19)


def test_communications_credits_line_links_to_the_communications_credits_page(client_as, billing_admin, tenant):
    subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin)
    (row,) = client_as(billing_admin).get("/billing/products/").context["rows"]
    assert row["url"] == "/billing/credits/"


def test_your_products_query_count_is_constant(client_as, billing_admin, subscribe, django_assert_num_queries):
    for part in ["SPE_E5", "SPE_E3", "MCOEV", "MCOPSTN1", "MCOPSTN2", "MCOMEETADV"]:
        subscribe(part)
    client = client_as(billing_admin)
    client.get("/billing/products/")
    with django_assert_num_queries(5):  # session, user, roles, tenant, subscriptions with usage
        client.get("/billing/products/")


def test_buy_licenses_adds_to_the_total_once_per_form(client_as, billing_admin, subscribe):
    subscription = subscribe("MCOPSTN1", 20)
    client = client_as(billing_admin)
    for _ in range(2):  # a double submit of the same form
        response = client.post(f"/billing/products/{subscription.pk}/buy/", {"quantity": "5", "idempotency_key": "k1"})
        assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.enabled_units == 25


def test_remove_licenses_refuses_below_assigned(client_as, billing_admin, tenant, subscribe):
    subscription = subscribe("MCOPSTN1", 20)
    for _ in range(3):
        give_license(UserFactory(tenant=tenant), "MCOPSTN1")
    client = client_as(billing_admin)
    response = client.post(f"/billing/products/{subscription.pk}/remove/", {"quantity": "2", "idempotency_key": "r1"},
                           HTTP_HX_REQUEST="true")
    assert "3 licenses of Microsoft Teams Domestic Calling Plan are assigned" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.enabled_units == 20
    response = client.post(f"/billing/products/{subscription.pk}/remove/", {"quantity": "3", "idempotency_key": "r2"},
                           HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/billing/products/{subscription.pk}/"
    subscription.refresh_from_db()
    assert subscription.enabled_units == 3


@pytest.mark.parametrize("quantity", ["-1", "abc", ""])
def test_buy_with_a_bad_quantity_names_the_field(client_as, billing_admin, subscribe, quantity):
    subscription = subscribe("MCOPSTN1", 20)
    response = client_as(billing_admin).post(f"/billing/products/{subscription.pk}/buy/",
                                             {"quantity": quantity, "idempotency_key": "x"})
    assert "Quantity:" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.enabled_units == 20


def test_license_admin_cannot_buy_or_see_your_products(client_as, license_admin, subscribe):
    subscription = subscribe("MCOPSTN1", 20)
    client = client_as(license_admin)
    assert client.get("/billing/products/").status_code == 403
    assert client.post(f"/billing/products/{subscription.pk}/buy/", {"quantity": "5", "idempotency_key": "k"}
                       ).status_code == 403


def test_another_tenants_subscription_is_404(client_as, billing_admin, license_admin, other_tenant, subscribe):
    theirs = subscribe("MCOPSTN1", 20, for_tenant=other_tenant)
    client = client_as(billing_admin)
    assert client.get(f"/billing/products/{theirs.pk}/").status_code == 404
    assert client.post(f"/billing/products/{theirs.pk}/buy/", {"quantity": "5", "idempotency_key": "k"}
                       ).status_code == 404
    assert client_as(license_admin).get(f"/billing/licenses/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.enabled_units == 20


def test_licenses_page_and_query_count(client_as, license_admin, tenant, calling_subscriptions,
                                       django_assert_num_queries):
    give_license(UserFactory(tenant=tenant), "SPE_E5")
    client = client_as(license_admin)
    assert "1 of 25" in client.get("/billing/licenses/").content.decode()
    with django_assert_num_queries(5):
        client.get("/billing/licenses/")


def test_assign_licenses_from_the_product_enforces_the_rules(client_as, license_admin, tenant, subscribe):
    e3 = subscribe("SPE_E3", 1)
    first, second = UserFactory(tenant=tenant), UserFactory(tenant=tenant)
    nomad = UserFactory(tenant=tenant, usage_location="")
    client = client_as(license_admin)
    url = f"/billing/licenses/{e3.pk}/assign/"
    text = client.post(url, {"user": [str(first.pk), str(second.pk)]}).content.decode()
    assert "2 licenses needed, 1 available" in text
    text = client.post(url, {"user": [str(nomad.pk)]}).content.decode()
    assert "invalid usage location" in text
    assert not LicenseAssignment.objects.exists()
    response = client.post(url, {"user": [str(first.pk)]}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/billing/licenses/{e3.pk}/"
    assert LicenseAssignment.objects.filter(user=first).exists()


def test_assign_panel_lists_people_without_the_license(client_as, license_admin, tenant, subscribe):
    e3 = subscribe("SPE_E3", 5)
    has = UserFactory(tenant=tenant, display_name="Has Already")
    give_license(has, "SPE_E3")
    UserFactory(tenant=tenant, display_name="Hasnt Yet")
    candidates = client_as(license_admin).get(f"/billing/licenses/{e3.pk}/assign/", {"q": "has"}).context["candidates"]
    assert [u.display_name for u in candidates] == ["Hasnt Yet"]


def test_unassign_a_prerequisite_names_the_dependants(client_as, license_admin, tenant, calling_subscriptions):
    user = UserFactory(tenant=tenant)
    give_license(user, "MCOEV")
    give_license(user, "MCOPSTN1")
    client = client_as(license_admin)
    phone = Subscription.objects.get(tenant=tenant, product=product("MCOEV"))
    response = client.post(f"/billing/licenses/{phone.pk}/unassign/", {"user": [str(user.pk)]}, follow=True)
    assert "Remove Microsoft Teams Domestic Calling Plan too" in response.content.decode()
    assert LicenseAssignment.objects.filter(user=user).count() == 2
    domestic = Subscription.objects.get(tenant=tenant, product=product("MCOPSTN1"))
    client.post(f"/billing/licenses/{domestic.pk}/unassign/", {"user": [str(user.pk)]})
    client.post(f"/billing/licenses/{phone.pk}/unassign/", {"user": [str(user.pk)]})
    assert not LicenseAssignment.objects.filter(user=user).exists()


def test_home_card_shows_licenses(client_as, global_admin, tenant, calling_subscriptions):
    give_license(UserFactory(tenant=tenant), "SPE_E5")
    html = client_as(global_admin).get("/").content.decode()
    assert "Licensed users" in html
    assert "Microsoft 365 E5: 1 of 25 assigned" in html
    assert "Communications Credits: 0 of 25 assigned" in html


def test_home_card_is_hidden_from_reports_readers(client_as, reports_reader, calling_subscriptions):
    assert "Licensed users" not in client_as(reports_reader).get("/").content.decode()
