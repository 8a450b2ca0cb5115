"""Sign-in, throttling, role checks and error pages of the admin-centre shell."""
import pytest
from django.urls import reverse

from accounts.models import AuditLog


def test_sign_in_page_renders_the_form(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content and b"Sign in" in response.content


def test_anonymous_home_redirects_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=/")


def test_wrong_password_is_a_form_error_and_nothing_else(client, global_admin):
    response = client.post(reverse("accounts:login"), {"username": global_admin.upn, "password": "wrong"})
    assert response.status_code == 200
    assert "Your account or password is incorrect" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_correct_password_signs_in(client, global_admin, password):
    response = client.post(reverse("accounts:login"), {"username": global_admin.upn.upper(), "password": password})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(global_admin.pk)


def test_repeated_failures_from_one_address_are_throttled(client, global_admin, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": global_admin.upn, "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": global_admin.upn, "password": password})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_blocked_user_cannot_sign_in(client, global_admin, password):
    global_admin.sign_in_allowed = False
    global_admin.save()
    response = client.post(reverse("accounts:login"), {"username": global_admin.upn, "password": password})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_user_without_role_gets_the_admin_role_needed_page(client_as, no_role_user):
    response = client_as(no_role_user).get("/")
    assert response.status_code == 403
    assert "doesn't hold an admin role" in response.content.decode()


@pytest.mark.parametrize("persona", ["billing_admin", "license_admin", "user_admin", "reports_reader",
                                     "teams_comms_admin"])
def test_settings_page_is_global_admin_only(request, client_as, persona):
    user = request.getfixturevalue(persona)
    response = client_as(user).get(reverse("accounts:settings"))
    assert response.status_code == 403
    assert "You don't have access to this page" in response.content.decode()


def test_every_admin_role_sees_home(request, client_as, global_admin, billing_admin, reports_reader):
    for user in (global_admin, billing_admin, reports_reader):
        response = client_as(user).get("/")
        assert response.status_code == 200
        assert "Your roles" in response.content.decode()


def test_navigation_follows_roles(client_as, global_admin, reports_reader):
    body = client_as(global_admin).get("/").content.decode()
    assert "Org settings" in body
    body = client_as(reports_reader).get("/").content.decode()
    assert "Org settings" not in body


def test_unknown_url_gets_the_styled_404(client_as, global_admin):
    response = client_as(global_admin).get("/no-such-page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_unknown_api_url_gets_a_graph_style_404(client, db):
    response = client.get("/v1.0/noSuchThing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"


def test_api_token_is_shown_once_and_stored_hashed(client_as, global_admin):
    import re

    client = client_as(global_admin)
    body = client.post(reverse("accounts:settings"), {"name": "Telephony", "scopes": ["calls"],
                                                      "expires": "90"}).content.decode()
    raw = re.search(r"cct_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}", body).group(0)
    token = global_admin.tenant.api_tokens.get()
    assert raw not in token.token_hash and len(token.token_hash) == 64
    assert token.scopes == ["calls"] and token.expires_at is not None
    assert AuditLog.objects.filter(action="api_token.create", tenant=global_admin.tenant).count() == 1
    assert raw not in client.get(reverse("accounts:settings")).content.decode()


def test_revoking_another_tenants_token_is_404(client_as, global_admin, other_tenant_admin):
    from accounts.services import api_token_create

    token, _ = api_token_create(tenant=other_tenant_admin.tenant, name="theirs", actor=other_tenant_admin,
                                scopes=["graph.read"])
    response = client_as(global_admin).post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
