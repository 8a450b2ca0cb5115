"""Delete user and Users > Deleted users: licenses freed, no sign-in or calls, Restore for 30 days, then gone for good;
the same soft delete through Graph's DELETE /v1.0/users/{id}; who may do it."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, User
from accounts.roles import Role
from accounts.scopes import Scope
from billing.rating.parties import BatchDirectory, LiveDirectory
from licensing import services
from licensing.models import LicenseAssignment, Product
from licensing.selectors import active_users, product_lines
from licensing.tasks import purge_deleted_users
from tests.factories import PASSWORD, UserFactory
from tests.licensing.factories import give_license

URL = "/users/active/"
DELETED_URL = "/users/deleted/"


def held(user):
    return sorted(LicenseAssignment.objects.filter(user=user).values_list("product__sku_part_number", flat=True))


def available(tenant, part):
    return next(line.available for line in product_lines(tenant=tenant) if line.product.sku_part_number == part)


@pytest.fixture
def adele(tenant, calling_subscriptions):
    user = UserFactory(tenant=tenant, display_name="Adele Vance", upn="adele@contoso.test")
    give_license(user, "MCOEV")
    give_license(user, "MCOPSTN1")
    return user


def test_deleting_frees_the_licenses_and_hides_the_user(tenant, user_admin, adele):
    before = available(tenant, "MCOPSTN1")
    services.user_delete(user=adele, actor=user_admin)
    assert held(adele) == []
    assert available(tenant, "MCOPSTN1") == before + 1
    assert adele not in active_users(tenant=tenant)
    assert list(services.deleted_users(tenant=tenant)) == [adele]
    assert [(e.action, e.before) for e in AuditLog.objects.filter(target_id=str(adele.pk)).order_by("id")][-1] == (
        "user.delete", {"licenses": ["MCOEV", "MCOPSTN1"]})


def test_delete_and_restore_read_in_words_in_the_audit_log(client_as, global_admin, user_admin, adele):
    services.user_delete(user=adele, actor=user_admin)
    services.user_restore(user=adele, actor=user_admin)
    page = client_as(global_admin).get("/settings/audit-log/").content.decode()
    assert "Deleted a user" in page and "Restored a deleted user" in page
    assert "Microsoft Teams Domestic Calling Plan" in page and "MCOPSTN1" not in page


def test_a_deleted_user_cannot_sign_in_or_place_calls(client, tenant, user_admin, adele):
    services.user_delete(user=adele, actor=user_admin)
    adele.refresh_from_db()
    assert not adele.is_active
    response = client.post(reverse("accounts:login"), {"username": adele.upn, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session  # the form again, not signed in
    assert LiveDirectory(tenant).person(adele.upn) is None
    assert BatchDirectory(tenant, upns=[adele.upn], numbers=[]).person(adele.upn) is None


def test_restore_within_30_days_gives_back_sign_in_and_the_licenses(tenant, user_admin, adele):
    now = timezone.now()
    services.user_delete(user=adele, actor=user_admin)
    result = services.user_restore(user=adele, actor=user_admin, at=now + timedelta(days=29))
    assert result.licenses_restored
    adele.refresh_from_db()
    assert adele.deleted_at is None and adele.is_active
    assert held(adele) == ["MCOEV", "MCOPSTN1"]
    assert AuditLog.objects.filter(action="user.restore", target_id=str(adele.pk)).exists()


def test_restore_without_enough_licenses_restores_the_user_unlicensed(tenant, user_admin, adele, subscribe):
    services.user_delete(user=adele, actor=user_admin)
    line = next(li for li in product_lines(tenant=tenant) if li.product.sku_part_number == "MCOPSTN1")
    others = [UserFactory(tenant=tenant) for _ in range(line.available)]
    for person in others:
        give_license(person, "MCOPSTN1")
    result = services.user_restore(user=adele, actor=user_admin)
    adele.refresh_from_db()
    assert adele.deleted_at is None and not result.licenses_restored and held(adele) == []
    assert "licenses needed" in result.problem


def test_after_30_days_restore_is_refused_and_the_purge_removes_the_user(tenant, user_admin, adele):
    now = timezone.now()
    services.user_delete(user=adele, actor=user_admin, at=now - timedelta(days=31))
    assert list(services.deleted_users(tenant=tenant)) == []
    with pytest.raises(ValidationError, match="more than 30 days ago"):
        services.user_restore(user=adele, actor=user_admin)
    assert purge_deleted_users() == {"purged": 1}
    assert not User.objects.filter(upn="adele@contoso.test").exists()
    assert AuditLog.objects.filter(action="user.purge", target_label__contains="adele@contoso.test").exists()


def test_the_purge_keeps_users_deleted_less_than_30_days_ago(tenant, user_admin, adele):
    now = timezone.now()
    services.user_delete(user=adele, actor=user_admin, at=now - timedelta(days=29))
    assert services.deleted_users_purge() == 0
    assert list(services.deleted_users(tenant=tenant)) == [adele]


def test_only_a_global_admin_deletes_or_restores_a_privileged_admin(tenant, user_admin, global_admin, billing_admin):
    with pytest.raises(PermissionDenied, match="Only a Global admin can delete"):
        services.user_delete(user=billing_admin, actor=user_admin)
    services.user_delete(user=billing_admin, actor=global_admin)
    with pytest.raises(PermissionDenied, match="Only a Global admin can restore"):
        services.user_restore(user=billing_admin, actor=user_admin)
    services.user_restore(user=billing_admin, actor=global_admin)


def test_no_one_deletes_themselves(user_admin):
    with pytest.raises(ValidationError, match="can't delete yourself"):
        services.user_delete(user=user_admin, actor=user_admin)


def test_delete_panel_then_deleted_users_page_then_restore(client_as, user_admin, tenant, adele):
    client = client_as(user_admin)
    panel = client.get(f"{URL}{adele.pk}/delete/", HTTP_HX_REQUEST="true").content.decode()
    assert "Are you sure you want to delete Adele Vance?" in panel and "within 30 days" in panel
    response = client.post(f"{URL}{adele.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response["HX-Trigger"] == "licensing-users-changed"
    assert "Adele Vance was deleted" in response.content.decode()
    assert "Adele Vance" not in client.get(URL).content.decode()
    page = client.get(DELETED_URL).content.decode()
    assert "adele@contoso.test" in page and "Jun 17, 2026" in page and "Jul 17, 2026" in page
    assert "Microsoft Teams Domestic Calling Plan" in page
    assert client.get(f"{URL}{adele.pk}/").status_code == 404  # a deleted user has no panel on Active users
    response = client.post(f"/users/deleted/{adele.pk}/restore/")
    assert response.status_code == 302 and response["Location"] == DELETED_URL
    adele.refresh_from_db()
    assert adele.deleted_at is None and held(adele) == ["MCOEV", "MCOPSTN1"]


def test_a_user_admin_deleting_a_privileged_admin_is_told_why(client_as, user_admin, billing_admin):
    response = client_as(user_admin).post(f"{URL}{billing_admin.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "Only a Global admin can delete Bill Billing" in response.content.decode()
    billing_admin.refresh_from_db()
    assert billing_admin.deleted_at is None


def test_license_admins_and_another_tenant_cannot_delete_or_restore(client_as, license_admin, user_admin, adele,
                                                                    other_tenant_admin):
    assert client_as(license_admin).post(f"{URL}{adele.pk}/delete/").status_code == 403
    services.user_delete(user=adele, actor=user_admin)
    assert client_as(license_admin).post(f"/users/deleted/{adele.pk}/restore/").status_code == 403
    assert client_as(other_tenant_admin).post(f"/users/deleted/{adele.pk}/restore/").status_code == 404
    adele.refresh_from_db()
    assert adele.deleted_at is not None


def test_graph_delete_user_is_the_same_soft_delete(tenant, api_client_for, adele):
    api = api_client_for(tenant)
    assert api.delete(f"/v1.0/users/{adele.pk}").status_code == 204
    adele.refresh_from_db()
    assert adele.deleted_at is not None and held(adele) == []
    assert api.get(f"/v1.0/users/{adele.pk}").status_code == 404
    assert api.delete(f"/v1.0/users/{adele.pk}").status_code == 404
    assert adele.upn not in [u["userPrincipalName"] for u in api.get("/v1.0/users").json()["value"]]


def test_deleted_users_page_query_count_does_not_grow(client_as, user_admin, tenant, django_assert_max_num_queries):
    people = [UserFactory(tenant=tenant) for _ in range(12)]
    for person in people:
        services.user_delete(user=person, actor=user_admin, at=timezone.now())
    client = client_as(user_admin)
    with django_assert_max_num_queries(12):
        assert client.get(DELETED_URL).status_code == 200


def test_deleted_user_roles_are_kept_for_the_restore(tenant, global_admin):
    admin = UserFactory(tenant=tenant, roles=[Role.BILLING_ADMIN])
    services.user_delete(user=admin, actor=global_admin)
    services.user_restore(user=admin, actor=global_admin)
    assert User.objects.get(pk=admin.pk).roles == {Role.BILLING_ADMIN}


def test_the_purge_keeps_the_audit_rows_of_what_the_user_did(tenant, user_admin, global_admin, adele):
    services.user_delete(user=adele, actor=user_admin)  # the audit log names Ugo as the actor
    services.user_delete(user=user_admin, actor=global_admin, at=timezone.now() - timedelta(days=31))
    assert services.deleted_users_purge() == 1
    assert not User.objects.filter(pk=user_admin.pk).exists()
    entry = AuditLog.objects.get(action="user.delete", target_id=str(adele.pk))
    assert entry.actor is None and entry.actor_label == "users@contoso.test"
    assert services.deleted_users_purge() == 0


def test_a_deleted_user_is_given_no_license(tenant, user_admin, adele):
    services.user_delete(user=adele, actor=user_admin)
    with pytest.raises(ValidationError, match="not in your organization"):
        services.licenses_change(tenant=tenant, actor=user_admin, users=[adele],
                                 add=[Product.objects.get(sku_part_number="MCOEV")])
    assert held(adele) == []



def test_graph_delete_needs_the_graph_write_scope(tenant, api_client_for, adele):
    response = api_client_for(tenant, scopes=[Scope.GRAPH_READ.value]).delete(f"/v1.0/users/{adele.pk}")
    assert response.status_code == 403 and set(response.json()) == {"error"}
    adele.refresh_from_db()
    assert adele.deleted_at is None
