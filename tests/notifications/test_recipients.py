"""Who receives billing notifications: Global and Billing admins who can sign in, plus up to five other addresses."""
import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from accounts.roles import Role
from billing.notifications.models import ExtraRecipient
from billing.notifications.selectors import billing_admins, recipients_for
from billing.notifications.services import recipient_add, recipient_remove
from tests.factories import UserFactory


def test_global_and_billing_admins_who_can_sign_in_receive_and_others_do_not(
        tenant, global_admin, billing_admin, license_admin, user_admin, reports_reader, teams_comms_admin, no_role_user,
        other_tenant_admin):
    blocked = UserFactory(tenant=tenant, upn="blocked@contoso.test", display_name="Blake Blocked",
                          roles=[Role.BILLING_ADMIN], sign_in_allowed=False)
    emails = [r.email for r in recipients_for(tenant=tenant)]
    assert emails == ["billing@contoso.test", "global@contoso.test"]
    listed = {a.user.upn: a.receives for a in billing_admins(tenant=tenant)}
    assert listed == {"billing@contoso.test": True, "global@contoso.test": True, blocked.upn: False}


def test_an_admin_with_both_roles_receives_once_and_is_named_by_the_higher_role(tenant):
    UserFactory(tenant=tenant, upn="both@contoso.test", display_name="Bo Both",
                roles=[Role.BILLING_ADMIN, Role.GLOBAL_ADMIN])
    (recipient,) = recipients_for(tenant=tenant)
    assert recipient.email == "both@contoso.test" and recipient.reason == "you're a Global admin of Contoso Test"
    assert billing_admins(tenant=tenant)[0].role_labels == "Global admin, Billing admin"


def test_extra_addresses_receive_after_the_admins_and_an_admins_address_is_not_mailed_twice(tenant, global_admin):
    recipient_add(tenant=tenant, email="AP@Contoso.com", actor=global_admin)
    recipient_add(tenant=tenant, email="Global@Contoso.test", actor=global_admin)
    recipients = recipients_for(tenant=tenant)
    assert [r.email for r in recipients] == ["global@contoso.test", "ap@contoso.com"]
    assert recipients[1].name == "" and "was added to the billing notifications of Contoso Test" in recipients[1].reason


def test_adding_an_address_is_audited_and_stored_lower_case(tenant, billing_admin):
    recipient = recipient_add(tenant=tenant, email="  Finance.Team@Contoso.com ", actor=billing_admin)
    assert recipient.email == "finance.team@contoso.com" and recipient.added_by == billing_admin
    entry = AuditLog.objects.get(action="notifications.recipient_add")
    assert entry.actor == billing_admin and entry.after == {"email": "finance.team@contoso.com"}


@pytest.mark.parametrize("address", ["not-an-email", "ap@", "two@@contoso.com", "ap@contoso.com, ar@contoso.com", ""])
def test_an_invalid_address_is_refused_with_an_error_naming_it(tenant, billing_admin, address):
    with pytest.raises(ValidationError) as caught:
        recipient_add(tenant=tenant, email=address, actor=billing_admin)
    assert caught.value.message_dict["email"] == [f"'{address}' isn't a valid email address. Enter one like name@contoso.com."]
    assert not ExtraRecipient.objects.exists() and not AuditLog.objects.filter(action__startswith="notifications").exists()


def test_the_same_address_twice_is_refused(tenant, billing_admin):
    recipient_add(tenant=tenant, email="ap@contoso.com", actor=billing_admin)
    with pytest.raises(ValidationError, match="ap@contoso.com already receives billing notifications"):
        recipient_add(tenant=tenant, email="AP@contoso.com", actor=billing_admin)


def test_at_most_five_other_recipients(tenant, billing_admin):
    for n in range(5):
        recipient_add(tenant=tenant, email=f"person{n}@contoso.com", actor=billing_admin)
    with pytest.raises(ValidationError, match="up to 5 other recipients. Remove one before adding sixth@contoso.com."):
        recipient_add(tenant=tenant, email="sixth@contoso.com", actor=billing_admin)
    assert ExtraRecipient.objects.filter(tenant=tenant).count() == 5


def test_each_tenant_has_its_own_five(tenant, other_tenant, billing_admin, other_tenant_admin):
    for n in range(5):
        recipient_add(tenant=tenant, email=f"person{n}@contoso.com", actor=billing_admin)
    recipient_add(tenant=other_tenant, email="person0@contoso.com", actor=other_tenant_admin)
    assert ExtraRecipient.objects.filter(tenant=other_tenant).count() == 1


def test_removing_an_address_stops_its_emails_and_is_audited(tenant, billing_admin):
    recipient = recipient_add(tenant=tenant, email="ap@contoso.com", actor=billing_admin)
    recipient_remove(tenant=tenant, recipient=recipient, actor=billing_admin)
    assert recipients_for(tenant=tenant)[-1].email == "billing@contoso.test"
    assert AuditLog.objects.get(action="notifications.recipient_remove").before == {"email": "ap@contoso.com"}


def test_removing_another_tenants_address_is_refused(tenant, other_tenant, billing_admin, other_tenant_admin):
    theirs = recipient_add(tenant=other_tenant, email="ap@fabrikam.com", actor=other_tenant_admin)
    with pytest.raises(ValueError):
        recipient_remove(tenant=tenant, recipient=theirs, actor=billing_admin)
    assert ExtraRecipient.objects.filter(pk=theirs.pk).exists()
