"""Add a user, step by step without JavaScript: basics, licenses, optional settings, Finish adding."""
from accounts.models import User
from licensing.models import LicenseAssignment
from tests.licensing.factories import product

BASE = "/users/active/add/"


def walk(client, *, username="patti", products=(), location="CA", password="", roles=()):
    assert client.post(BASE, {"first_name": "Patti", "last_name": "Fernandez", "display_name": "Patti Fernandez",
                              "username": username, "auto_password": "" if password else "on",
                              "password": password}).status_code == 302
    assert client.post(f"{BASE}licenses/", {"usage_location": location,
                                            "products": [str(product(p).pk) for p in products]}).status_code == 302
    assert client.post(f"{BASE}settings/", {"job_title": "Controller", "roles": list(roles)}).status_code == 302
    review = client.get(f"{BASE}finish/")
    assert f"{username}@contoso.test" in review.content.decode()
    return client.post(f"{BASE}finish/")


def test_add_a_user_with_licenses_and_an_automatic_password(client_as, user_admin, calling_subscriptions):
    response = walk(client_as(user_admin), products=["SPE_E5", "MCOPSTN1"])
    assert response.status_code == 200
    user = User.objects.get(upn="patti@contoso.test")
    password = response.context["password"]
    assert user.check_password(password) and len(password) == 14
    assert (user.usage_location, user.job_title) == ("CA", "Controller")
    assert set(LicenseAssignment.objects.filter(user=user).values_list("product__sku_part_number", flat=True)) == {
        "SPE_E5", "MCOPSTN1"}


def test_a_license_that_cannot_be_assigned_creates_nobody(client_as, user_admin, calling_subscriptions):
    response = walk(client_as(user_admin), products=["MCOPSTN1"])
    assert "needs Microsoft Teams Phone Standard" in response.content.decode()
    assert not User.objects.filter(upn="patti@contoso.test").exists()


def test_own_password_must_be_strong(client_as, user_admin, calling_subscriptions):
    response = walk(client_as(user_admin), password="12345678")
    assert "This password is entirely numeric." in response.content.decode()
    assert not User.objects.filter(upn="patti@contoso.test").exists()


def test_licenses_need_a_location_on_the_licenses_step(client_as, user_admin, calling_subscriptions):
    client = client_as(user_admin)
    client.post(BASE, {"display_name": "Patti", "username": "patti", "auto_password": "on"})
    response = client.post(f"{BASE}licenses/", {"usage_location": "", "products": [str(product("SPE_E3").pk)]})
    assert response.status_code == 200
    assert "Select a location" in response.content.decode()


def test_a_taken_username_is_named(client_as, user_admin, calling_subscriptions):
    response = walk(client_as(user_admin), username="users")
    assert "already taken" in response.content.decode()


def test_only_global_admins_give_roles(client_as, user_admin, global_admin, calling_subscriptions):
    client = client_as(user_admin)
    client.post(BASE, {"display_name": "Patti", "username": "patti", "auto_password": "on"})
    assert "Only Global admins can assign admin roles" in client.get(f"{BASE}settings/").content.decode()
    walk(client_as(global_admin), username="bianca", roles=["billing_admin"])
    assert User.objects.get(upn="bianca@contoso.test").roles == {"billing_admin"}


def test_steps_need_the_basics_first(client_as, user_admin):
    response = client_as(user_admin).get(f"{BASE}settings/")
    assert response.status_code == 302 and response["Location"] == BASE


def test_license_admin_cannot_add_users(client_as, license_admin):
    assert client_as(license_admin).get(BASE).status_code == 403
