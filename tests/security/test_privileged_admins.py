"""Admin roles as in Microsoft 365: privileged admins (anyone holding an admin role) are blocked, renamed or have their
roles changed only by a Global admin, through the pages and Graph alike (issue 15)."""
import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditLog
from accounts.roles import Role
from accounts.services import user_set_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ordinary(tenant):
    return UserFactory(tenant=tenant, upn="adele@contoso.test", display_name="Adele Vance")


def test_a_user_admin_cannot_block_or_rename_a_global_admin_through_graph(api_client_for, tenant, user_admin,
                                                                          global_admin, ordinary):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user_admin)
    blocked = api.patch(f"/v1.0/users/{global_admin.pk}", {"accountEnabled": False}, format="json")
    renamed = api.patch(f"/v1.0/users/{global_admin.pk}", {"displayName": "Pwned"}, format="json")
    assert (blocked.status_code, renamed.status_code) == (403, 403)
    assert "Only a Global admin can" in renamed.json()["error"]["message"]
    global_admin.refresh_from_db()
    assert global_admin.sign_in_allowed and global_admin.display_name == "Grace Global"
    assert not AuditLog.objects.filter(target_id=str(global_admin.pk)).exists()
    # An ordinary user is still the User admin's to manage.
    assert api.patch(f"/v1.0/users/{ordinary.pk}", {"displayName": "Adele V."}, format="json").status_code == 204


def test_a_user_admin_cannot_block_a_billing_admin_on_the_page(client_as, user_admin, billing_admin):
    response = client_as(user_admin).post(f"/users/active/{billing_admin.pk}/sign-in/", {"block": "on"})
    assert response.status_code == 403
    assert "Only a Global admin can block or unblock the sign-in of Bill Billing" in response.content.decode()
    billing_admin.refresh_from_db()
    assert billing_admin.sign_in_allowed


def test_a_global_admin_may(client_as, global_admin, billing_admin):
    client_as(global_admin).post(f"/users/active/{billing_admin.pk}/sign-in/", {"block": "on"})
    billing_admin.refresh_from_db()
    assert not billing_admin.sign_in_allowed


def test_only_a_global_admin_changes_roles(user_admin, ordinary, global_admin):
    with pytest.raises(PermissionDenied):
        user_set_roles(user=ordinary, roles=[Role.GLOBAL_ADMIN], actor=user_admin)
    assert ordinary.roles == frozenset()
    user_set_roles(user=ordinary, roles=[Role.REPORTS_READER], actor=global_admin)
    ordinary.refresh_from_db()
    assert set(UserFactory._meta.model.objects.get(pk=ordinary.pk).roles) == {Role.REPORTS_READER}


def test_a_license_admin_still_sets_the_usage_location_of_an_admin(client_as, license_admin, billing_admin):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(license_admin)
    assert api.patch(f"/v1.0/users/{billing_admin.pk}", {"usageLocation": "GB"}, format="json").status_code == 204
    billing_admin.refresh_from_db()
    assert billing_admin.usage_location == "GB"
