"""Users > Active users pages: list, search, filter, sort, paging, panels, Manage product licenses, roles."""
import html

import pytest

from accounts.models import AuditLog, User
from licensing.models import LicenseAssignment
from tests.factories import UserFactory
from tests.licensing.factories import give_license, product

URL = "/users/active/"


def held(user):
    return sorted(LicenseAssignment.objects.filter(user=user).values_list("product__sku_part_number", flat=True))


def test_list_shows_licenses_and_unlicensed(client_as, user_admin, tenant, calling_subscriptions):
    adele = UserFactory(tenant=tenant, display_name="Adele Vance")
    give_license(adele, "SPE_E5")
    give_license(adele, "MCOPSTN1")
    UserFactory(tenant=tenant, display_name="Alex Wilber")
    page = client_as(user_admin).get(URL).content.decode()
    assert "Microsoft 365 E5, Microsoft Teams Domestic Calling Plan" in page
    assert "Unlicensed" in page and "Alex Wilber" in page


def test_search_matches_display_name_and_username(client_as, user_admin, tenant):
    UserFactory(tenant=tenant, display_name="Adele Vance", upn="adele@contoso.test")
    UserFactory(tenant=tenant, display_name="Alex Wilber", upn="awilber@contoso.test")
    client = client_as(user_admin)
    rows = client.get(URL, {"q": "vance"}).context["rows"]
    assert [u.display_name for u, *_ in rows] == ["Adele Vance"]
    rows = client.get(URL, {"q": "AWILBER@"}).context["rows"]
    assert [u.display_name for u, *_ in rows] == ["Alex Wilber"]


def test_filter_by_product_unlicensed_and_view(client_as, user_admin, tenant, calling_subscriptions):
    adele = UserFactory(tenant=tenant, display_name="Adele Vance")
    give_license(adele, "SPE_E5")
    blocked = UserFactory(tenant=tenant, display_name="Blocked Bob", sign_in_allowed=False)
    client = client_as(user_admin)

    def names(**params):
        return [u.display_name for u, *_ in client.get(URL, params).context["rows"]]

    assert names(product="SPE_E5") == ["Adele Vance"]
    assert "Adele Vance" not in names(product="unlicensed") and "Blocked Bob" in names(product="unlicensed")
    assert names(view="sign_in_blocked") == [blocked.display_name]
    assert names(view="licensed") == ["Adele Vance"]
    assert names(view="global_admins") == []
    assert names(view="not-a-view") == names()


def test_sort_by_username_descending(client_as, user_admin, tenant):
    for local in ["bea", "abe", "cal"]:
        UserFactory(tenant=tenant, upn=f"{local}@contoso.test", display_name=local.title())
    rows = client_as(user_admin).get(URL, {"sort": "-upn", "q": "@contoso.test"}).context["rows"]
    upns = [u.upn for u, *_ in rows]
    assert upns == sorted(upns, reverse=True)


def test_paging_shows_a_hundred_a_page(client_as, user_admin, tenant):
    User.objects.bulk_create([User(tenant=tenant, upn=f"p{i:03d}@contoso.test", display_name=f"P {i:03d}")
                              for i in range(150)])
    client = client_as(user_admin)
    first = client.get(URL)
    assert len(first.context["rows"]) == 100
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(URL, {"page": "2"}).context["rows"]) == 51  # 150 + the admin


@pytest.mark.parametrize("count", [10, 1000])
def test_active_users_query_count_does_not_grow_with_users(client_as, user_admin, tenant, calling_subscriptions,
                                                           django_assert_num_queries, count):
    users = User.objects.bulk_create([User(tenant=tenant, upn=f"bulk{i}@contoso.test", display_name=f"Bulk {i:04d}",
                                           usage_location="US") for i in range(count)])
    for user in users[:10]:
        give_license(user, "SPE_E5")
        give_license(user, "MCOPSTN1")
    client = client_as(user_admin)
    client.get(URL)
    # session, user, roles, tenant, count, page, licenses of the page, products for the filter
    with django_assert_num_queries(8):
        response = client.get(URL, {"product": "SPE_E5", "sort": "-display_name"})
    assert response.status_code == 200
    with django_assert_num_queries(8):
        client.get(URL)


def test_htmx_table_request_returns_the_page_for_hx_select(client_as, user_admin, tenant):
    response = client_as(user_admin).get(URL, {"q": "x"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="users-table")
    assert 'id="users-table"' in response.content.decode()


@pytest.mark.parametrize("persona", ["billing_admin", "reports_reader", "teams_comms_admin"])
def test_roles_without_users_read_get_403(client_as, request, persona):
    assert client_as(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_no_role_user_is_told_to_get_a_role(client_as, no_role_user):
    response = client_as(no_role_user).get(URL)
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_another_tenants_user_panel_is_404(client_as, user_admin, other_tenant_admin):
    client = client_as(user_admin)
    assert client.get(f"{URL}{other_tenant_admin.pk}/").status_code == 404
    assert client.post(f"{URL}{other_tenant_admin.pk}/licenses/", {"usage_location": "US"}).status_code == 404
    assert client.post(f"{URL}{other_tenant_admin.pk}/sign-in/", {"block": "on"}).status_code == 404
    other_tenant_admin.refresh_from_db()
    assert other_tenant_admin.sign_in_allowed


def manage(client, users, mode, *parts, htmx=False, confirmed=True):
    data = {"user": [str(u.pk) for u in users], "mode": mode, "products": [str(product(p).pk) for p in parts]}
    if confirmed:  # Replace and Unassign all ask first; the confirmation posts this
        data["confirmed"] = "yes"
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"{URL}manage-licenses/", data, **extra)


def test_manage_licenses_assign_more_for_the_selection_in_one_step(client_as, license_admin, people,
                                                                   calling_subscriptions):
    client = client_as(license_admin)
    response = manage(client, people[:3], "add", "SPE_E5")
    assert response.status_code == 302
    response = manage(client, people[:3], "add", "MCOPSTN1", htmx=True)
    assert response["HX-Trigger"] == "licensing-users-changed"
    assert "Licenses updated for 3 users: 3 assigned, 0 unassigned." in response.content.decode()
    assert "22 of 25 licenses available" in response.content.decode()
    assert all(held(p) == ["MCOPSTN1", "SPE_E5"] for p in people[:3])


def test_manage_licenses_replace_and_unassign_all(client_as, license_admin, people, calling_subscriptions):
    client = client_as(license_admin)
    manage(client, people[:2], "add", "SPE_E5", "MCOMEETADV")
    manage(client, people[:2], "replace", "SPE_E3")
    assert held(people[0]) == ["SPE_E3"]
    manage(client, people[:2], "remove_all")
    assert held(people[0]) == held(people[1]) == []


@pytest.mark.parametrize("mode, parts, words, button", [
    ("replace", ("SPE_E3",), "Replace removes the licenses the 2 selected users hold now (Microsoft 365 E5) and assigns "
                             "only Microsoft 365 E3", "Yes, replace licenses"),
    ("remove_all", (), "Unassign all removes every license from the 2 selected users: Microsoft 365 E5",
     "Yes, unassign all"),
])
def test_replace_and_unassign_all_change_nothing_until_confirmed(client_as, license_admin, people, calling_subscriptions,
                                                                 mode, parts, words, button):
    client = client_as(license_admin)
    manage(client, people[:2], "add", "SPE_E5")
    page = manage(client, people[:2], mode, *parts, htmx=True, confirmed=False).content.decode()
    assert words in page and button in page and 'name="confirmed" value="yes"' in page
    assert held(people[0]) == held(people[1]) == ["SPE_E5"]  # nothing changed yet
    manage(client, people[:2], mode, *parts, htmx=True)
    assert held(people[0]) == list(parts)


def test_manage_licenses_bulk_over_assignment_assigns_none_and_says_why(client_as, license_admin, tenant, subscribe):
    subscribe("SPE_E3", 3)
    users = [UserFactory(tenant=tenant) for _ in range(10)]
    response = manage(client_as(license_admin), users, "add", "SPE_E3", htmx=True)
    assert "Microsoft 365 E3: 10 licenses needed, 3 available. No licenses were assigned." in response.content.decode()
    assert not LicenseAssignment.objects.exists()


def test_manage_licenses_rules_through_the_page(client_as, license_admin, tenant, people, calling_subscriptions):
    client = client_as(license_admin)
    nomad = UserFactory(tenant=tenant, display_name="Nomad", usage_location="")
    text = manage(client, [nomad], "add", "SPE_E3", htmx=True).content.decode()
    assert "License assignment cannot be done for user with invalid usage location." in text
    text = manage(client, people[:1], "add", "MCOPSTN1", htmx=True).content.decode()
    assert "needs Microsoft Teams Phone Standard" in text
    text = manage(client, people[:1], "add", "SPE_E3", "MCOPSTNC", htmx=True).content.decode()
    assert "Communications Credits needs" in text
    manage(client, people[:1], "add", "SPE_E5", "MCOPSTN1")
    text = manage(client, people[:1], "replace", "MCOPSTN1", htmx=True).content.decode()
    assert "Remove Microsoft Teams Domestic Calling Plan too" in text
    assert held(people[0]) == ["MCOPSTN1", "SPE_E5"]
    assert held(nomad) == []


def test_manage_licenses_needs_a_selection_and_a_product(client_as, license_admin, people, calling_subscriptions):
    client = client_as(license_admin)
    assert "Select one or more users" in client.get(f"{URL}manage-licenses/").content.decode()
    text = manage(client, people[:1], "add", htmx=True).content.decode()
    assert "Select at least one license to assign" in text


def test_manage_licenses_with_another_tenants_user_is_404(client_as, license_admin, people, other_tenant_admin,
                                                          calling_subscriptions):
    response = manage(client_as(license_admin), [people[0], other_tenant_admin], "add", "SPE_E3")
    assert response.status_code == 404
    assert held(people[0]) == []


def test_manage_licenses_is_for_license_managers(client_as, reports_reader, people):
    assert manage(client_as(reports_reader), people[:1], "remove_all").status_code == 403


def panel_save(client, user, location, parts, plans=None, htmx=True):
    data = {"usage_location": location, "products": [str(product(p).pk) for p in parts]}
    for part in parts:
        names = plans.get(part) if plans and part in plans else list(
            product(part).service_plans.values_list("name", flat=True))
        data[f"plans-{product(part).pk}"] = names
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"{URL}{user.pk}/licenses/", data, **extra)


def test_panel_sets_location_licenses_and_plan_switches(client_as, license_admin, tenant, calling_subscriptions):
    nomad = UserFactory(tenant=tenant, usage_location="")
    client = client_as(license_admin)
    response = panel_save(client, nomad, "GB", ["SPE_E5"], plans={"SPE_E5": ["MCOEV", "TEAMS1"]})
    assert response["HX-Trigger"] == "licensing-users-changed"
    nomad.refresh_from_db()
    assert nomad.usage_location == "GB"
    assert dict(nomad.assigned_plans.values_list("service_plan__name", "enabled")) == {
        "MCOEV": True, "TEAMS1": True, "MCOMEETADV": False, "EXCHANGE_S_ENTERPRISE": False,
        "SHAREPOINTENTERPRISE": False, "OFFICESUBSCRIPTION": False, "MCOSTANDARD": False}
    page = client.get(f"{URL}{nomad.pk}/", {"tab": "licenses"}).content.decode()
    assert "24 of 25 licenses available" in page


def test_panel_without_location_refuses_and_changes_nothing(client_as, license_admin, tenant, calling_subscriptions):
    nomad = UserFactory(tenant=tenant, usage_location="")
    text = panel_save(client_as(license_admin), nomad, "", ["SPE_E3"]).content.decode()
    assert "License assignment cannot be done for user with invalid usage location." in text
    assert held(nomad) == []


def test_panel_refuses_to_clear_the_location_of_a_licensed_user(client_as, license_admin, people,
                                                               calling_subscriptions):
    give_license(people[0], "SPE_E3")
    text = panel_save(client_as(license_admin), people[0], "", ["SPE_E3"]).content.decode()
    assert "licenses need a usage location" in text
    people[0].refresh_from_db()
    assert people[0].usage_location == "US"


def test_panel_save_without_htmx_redirects_to_the_panel(client_as, license_admin, people, calling_subscriptions):
    response = panel_save(client_as(license_admin), people[0], "US", ["SPE_E3"], htmx=False)
    assert response.status_code == 302
    assert response["Location"].endswith(f"{people[0].pk}/?tab=licenses")


def test_user_panel_without_htmx_is_the_whole_page(client_as, user_admin, people):
    page = client_as(user_admin).get(f"{URL}{people[0].pk}/").content.decode()
    assert "<html" in page and 'role="dialog"' in page and 'id="users-table"' in page


def test_edit_contact_information(client_as, user_admin, people):
    response = client_as(user_admin).post(f"{URL}{people[0].pk}/edit/", {
        "display_name": "Person Zero", "job_title": "Buyer", "phone_number": "+1 425 555 0100"})
    assert response.status_code == 302
    people[0].refresh_from_db()
    assert (people[0].display_name, people[0].job_title, people[0].phone_number) == (
        "Person Zero", "Buyer", "+14255550100")


def test_edit_with_a_bad_phone_number_names_the_field(client_as, user_admin, people):
    response = client_as(user_admin).post(f"{URL}{people[0].pk}/edit/", {"display_name": "P", "phone_number": "abc"})
    assert "is not a phone number" in response.content.decode()
    people[0].refresh_from_db()
    assert people[0].phone_number == ""


def test_license_admin_cannot_edit_or_block(client_as, license_admin, people):
    client = client_as(license_admin)
    assert client.post(f"{URL}{people[0].pk}/edit/", {"display_name": "X"}).status_code == 403
    assert client.post(f"{URL}{people[0].pk}/sign-in/", {"block": "on"}).status_code == 403


def test_block_and_unblock_sign_in(client_as, user_admin, people):
    client = client_as(user_admin)
    client.post(f"{URL}{people[0].pk}/sign-in/", {"block": "on"})
    people[0].refresh_from_db()
    assert not people[0].sign_in_allowed
    client.post(f"{URL}{people[0].pk}/sign-in/", {})
    people[0].refresh_from_db()
    assert people[0].sign_in_allowed
    assert list(AuditLog.objects.filter(target_id=str(people[0].pk)).values_list("action", flat=True)) == [
        "user.unblock_sign_in", "user.block_sign_in"]


def test_you_cannot_block_yourself(client_as, user_admin):
    response = client_as(user_admin).post(f"{URL}{user_admin.pk}/sign-in/", {"block": "on"}, HTTP_HX_REQUEST="true")
    assert "You can't block your own sign-in." in html.unescape(response.content.decode())


def test_export_users_writes_the_searched_list_as_csv_with_licenses_and_safe_cells(
        client_as, user_admin, tenant, other_tenant, people, calling_subscriptions, django_assert_max_num_queries):
    import csv
    import io

    client = client_as(user_admin)
    manage(client, people[:1], "add", "SPE_E5", "MCOPSTN1")
    UserFactory(tenant=tenant, display_name="=HYPERLINK(1)", usage_location="US")
    UserFactory(tenant=other_tenant, display_name="Person elsewhere")
    response = client.get(f"{URL}export.csv", {"q": "person"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Display name", "User principal name", "Licenses", "Usage location"]
    assert [row[0] for row in rows[1:]] == [f"Person {i}" for i in range(5)]
    assert rows[1][2] == "Microsoft 365 E5+Microsoft Teams Domestic Calling Plan" and rows[1][9] == "Yes"
    everyone = list(csv.reader(io.StringIO(client.get(f"{URL}export.csv").content.decode("utf-8-sig"))))
    assert ["'=HYPERLINK(1)"] == [row[0] for row in everyone if "HYPERLINK" in row[0]]
    assert "Person elsewhere" not in {row[0] for row in everyone}
    for _ in range(20):
        UserFactory(tenant=tenant)
    with django_assert_max_num_queries(8):
        client.get(f"{URL}export.csv")


def test_export_users_needs_a_role_that_reads_users(client_as, reports_reader):
    assert client_as(reports_reader).get(f"{URL}export.csv").status_code == 403


def test_reset_password_asks_then_shows_a_temporary_password_once(client_as, user_admin, people):
    person = people[0]
    client = client_as(user_admin)
    url = f"{URL}{person.pk}/reset-password/"
    asked = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "A new temporary password replaces Person 0" in asked and 'data-testid="temporary-password"' not in asked
    before = User.objects.get(pk=person.pk).password
    page = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    password = page.split('data-testid="temporary-password">')[1].split("<")[0]
    person = User.objects.get(pk=person.pk)
    assert person.password != before and person.check_password(password) and len(password) == 13
    entry = AuditLog.objects.get(action="user.reset_password")
    assert entry.target_label and password not in str(entry.after)


def test_reset_password_of_yourself_another_tenant_or_without_the_role_is_refused(client_as, user_admin, reports_reader,
                                                                                   other_tenant_admin, people):
    client = client_as(user_admin)
    own = client.post(f"{URL}{user_admin.pk}/reset-password/", HTTP_HX_REQUEST="true")
    assert own.status_code == 400 and "Change your own password" in own.content.decode()
    assert client.post(f"{URL}{other_tenant_admin.pk}/reset-password/").status_code == 404
    assert client_as(reports_reader).post(f"{URL}{people[0].pk}/reset-password/").status_code == 403
