"""Settings > Audit log: actions and changes in words, a filter by activity and by who or what, pages of 50."""
from decimal import Decimal

from accounts.audit_words import Change, action_text, changes_of
from accounts.models import AuditLog
from accounts.services import audit_record, user_create, user_set_roles, user_update

URL = "/settings/audit-log/"


def entry(action, before=None, after=None):
    return AuditLog(action=action, before=before, after=after)


def test_actions_read_as_words_and_unknown_ones_still_read_as_text():
    assert action_text("user.licenses") == "Changed a user's licenses"
    assert action_text("credits.purchase") == "Added funds to Communications Credits"
    assert action_text("something.new_thing") == "Something: new thing"


def test_a_license_change_names_the_products_instead_of_a_dict():
    names = {"MCOEV": "Microsoft Teams Phone Standard", "MCOPSTN1": "Microsoft Teams Domestic Calling Plan"}
    changes = changes_of(entry("user.licenses", {"MCOEV": []}, {"MCOEV": [], "MCOPSTN1": ["MCOPSTN1_PLAN"]}), names)
    assert changes == [Change("Licenses", "Microsoft Teams Phone Standard",
                              "Microsoft Teams Phone Standard, Microsoft Teams Domestic Calling Plan (off: MCOPSTN1_PLAN)")]
    removed = changes_of(entry("user.licenses", {"MCOEV": []}, {}), names)
    assert removed == [Change("Licenses", "Microsoft Teams Phone Standard", "none")]


def test_changes_show_only_what_differs_with_money_dates_roles_and_yes_no_in_words():
    assert changes_of(entry("credits.auto_recharge", {"enabled": False, "trigger_amount": "200.00", "recharge_amount": "500.00"},
                            {"enabled": True, "trigger_amount": "250.00", "recharge_amount": "500.00"}), {}) == [
        Change("Enabled", "No", "Yes"), Change("When balance is below", "$200.00", "$250.00")]
    assert changes_of(entry("invoice.record_payment", {"payment_status": "due"},
                            {"payment_status": "paid", "paid_at": "2026-06-17T09:30:00+00:00"}), {}) == [
        Change("Payment", "Due", "Paid"), Change("Paid on", None, "Jun 17, 2026, 09:30 UTC")]
    assert changes_of(entry("user.roles", ["billing_admin"], ["billing_admin", "reports_reader"]), {}) == [
        Change("Roles", "Billing admin", "Billing admin, Reports reader")]
    assert changes_of(entry("user.unblock_sign_in", {"sign_in_allowed": False}, {"sign_in_allowed": True}), {}) == [
        Change("Sign-in", "Blocked", "Allowed")]
    assert changes_of(entry("notifications.recipient_remove", {"email": "a@b.example"}, None), {}) == [
        Change("Email", "a@b.example", None)]


def test_the_page_shows_words_and_filters_by_activity_and_person(client_as, global_admin, tenant,
                                                                 django_assert_max_num_queries):
    person = user_create(tenant=tenant, upn=f"nomad@{tenant.initial_domain}", display_name="Nomad", actor=global_admin)
    user_update(user=person, actor=global_admin, usage_location="DE")
    user_set_roles(user=person, roles=["reports_reader"], actor=global_admin)
    audit_record(tenant=tenant, actor=global_admin, action="credits.adjustment", target_label="Credits",
                 after={"amount": str(Decimal("25.00")), "reason": "Goodwill"})
    client = client_as(global_admin)

    page = client.get(URL).content.decode()
    assert "Edited a user&#x27;s details" in page and "Usage location:" in page and "none</span> → DE" in page
    assert "Adjusted Communications Credits" in page and "$25.00" in page
    assert "{&#x27;" not in page and "user.update" not in page  # no raw dicts, no codes

    users_only = client.get(URL, {"activity": "user."}).content.decode()
    assert "Edited a user&#x27;s details" in users_only and "Adjusted Communications Credits" not in users_only
    by_name = client.get(URL, {"q": "nomad"}).content.decode()
    assert "Changed a user&#x27;s admin roles" in by_name and "Adjusted Communications Credits" not in by_name

    for index in range(60):  # two pages of entries, the query count does not grow with them
        audit_record(tenant=tenant, actor=global_admin, action="api_token.create", target_label=f"Token {index}")
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


def test_an_unknown_activity_is_refused_next_to_the_field_and_the_search_is_kept(client_as, global_admin):
    response = client_as(global_admin).get(URL, {"activity": "<script>", "q": "kept words"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose an activity from the list." in page and 'aria-invalid="true"' in page
    assert 'value="kept words"' in page


def test_another_tenants_entries_never_show(client_as, global_admin, other_tenant_admin, other_tenant):
    audit_record(tenant=other_tenant, actor=other_tenant_admin, action="api_token.create", target_label="Their token")
    assert "Their token" not in client_as(global_admin).get(URL).content.decode()
