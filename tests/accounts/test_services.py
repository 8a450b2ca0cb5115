"""Tenant, user and admin services and the operator commands: validation names the field, nothing half made."""
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.models import AuditLog, Tenant, User
from accounts.roles import Role
from accounts.services import user_create, user_set_roles, user_update


def test_create_tenant_command_creates_one_tenant(db):
    out = StringIO()
    call_command("create_tenant", "--name", "Northwind", "--domain", "Northwind.Example", "--country", "gb", stdout=out)
    tenant = Tenant.objects.get()
    assert (tenant.name, tenant.initial_domain, tenant.country, tenant.billing_country) == (
        "Northwind", "northwind.example", "GB", "GB")
    assert "Created tenant Northwind" in out.getvalue()
    assert AuditLog.objects.filter(tenant=tenant, action="tenant.create").count() == 1


@pytest.mark.parametrize("args, message", [
    (["--country", "XX"], "'XX' is not an ISO 3166 two-letter country code"),
    (["--country", "USA"], "'USA' is not an ISO 3166"),
    (["--country", "US", "--billing-country", "ZZ"], "billing_country"),
])
def test_create_tenant_with_a_bad_country_creates_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_tenant", "--name", "Bad", "--domain", "bad.example", *args)
    assert Tenant.objects.count() == 0


def test_create_tenant_with_a_duplicate_domain_is_refused(tenant):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_tenant", "--name", "Again", "--domain", tenant.initial_domain.upper(), "--country", "US")
    assert Tenant.objects.count() == 1


def test_create_tenant_with_a_malformed_domain_is_refused(db):
    with pytest.raises(CommandError, match="not a valid domain"):
        call_command("create_tenant", "--name", "Bad", "--domain", "not a domain", "--country", "US")
    assert Tenant.objects.count() == 0


def test_create_admin_command_creates_an_admin_with_the_role(tenant):
    out = StringIO()
    call_command("create_admin", "--tenant", tenant.initial_domain, "--upn", f"ada@{tenant.initial_domain}",
                 "--role", "billing_admin", "--password", "Str0ng-Password!", stdout=out)
    user = User.objects.get(upn=f"ada@{tenant.initial_domain}")
    assert user.roles == {Role.BILLING_ADMIN}
    assert user.check_password("Str0ng-Password!")


@pytest.mark.parametrize("args, message", [
    (["--tenant", "nowhere.example", "--upn", "a@nowhere.example", "--role", "global_admin"], "No tenant has the domain"),
    (["--tenant", "contoso.test", "--upn", "a@contoso.test", "--role", "super_admin"], "'super_admin' is not an admin role"),
    (["--tenant", "contoso.test", "--upn", "a@elsewhere.example", "--role", "global_admin"], "is not a domain of"),
])
def test_create_admin_with_bad_input_creates_nothing(tenant, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_admin", *args)
    assert User.objects.count() == 0


def test_user_phone_is_stored_as_e164_using_the_usage_location(tenant):
    user = user_create(tenant=tenant, upn=f"p@{tenant.initial_domain}", display_name="P", usage_location="gb",
                       phone_number="020 7946 0123", actor=None)
    assert (user.usage_location, user.phone_number) == ("GB", "+442079460123")


@pytest.mark.parametrize("phone", ["12345", "+44 20 7946", "call me"])
def test_invalid_phone_numbers_are_refused_naming_the_field(tenant, phone):
    with pytest.raises(ValidationError) as info:
        user_create(tenant=tenant, upn=f"p@{tenant.initial_domain}", display_name="P", phone_number=phone, actor=None)
    assert "phone_number" in info.value.message_dict
    assert not User.objects.filter(upn=f"p@{tenant.initial_domain}").exists()


def test_user_update_audits_before_and_after(global_admin, tenant):
    user = user_create(tenant=tenant, upn=f"q@{tenant.initial_domain}", display_name="Q", actor=global_admin)
    user_update(user=user, actor=global_admin, department="Finance", usage_location="DE")
    entry = AuditLog.objects.filter(action="user.update").get()
    assert entry.before == {"department": "", "usage_location": ""}
    assert entry.after == {"department": "Finance", "usage_location": "DE"}
    assert entry.actor == global_admin and entry.actor_label == global_admin.upn


def test_user_update_refuses_unknown_properties(global_admin):
    with pytest.raises(ValidationError) as info:
        user_update(user=global_admin, actor=global_admin, upn="x@y.example")
    assert "upn" in info.value.message_dict


def test_roles_can_be_changed_and_are_audited(global_admin, billing_admin):
    user_set_roles(user=billing_admin, roles=["billing_admin", "reports_reader"], actor=global_admin)
    billing_admin = User.objects.get(pk=billing_admin.pk)
    assert billing_admin.roles == {Role.BILLING_ADMIN, Role.REPORTS_READER}
    assert AuditLog.objects.filter(action="user.roles").count() == 1


def test_audit_log_is_append_only(global_admin, tenant):
    entry = AuditLog.objects.create(tenant=tenant, actor=global_admin, actor_label="x", action="test")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.filter(tenant=tenant).update(action="changed")
    with pytest.raises(TypeError):
        AuditLog.objects.filter(tenant=tenant).delete()
