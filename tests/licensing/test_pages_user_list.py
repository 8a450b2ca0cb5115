"""Active users' Choose columns, the row's "…" menu and selection across pages (Select all N users)."""
from accounts.models import User
from licensing.models import LicenseAssignment
from tests.factories import UserFactory
from tests.licensing.factories import product

URL = "/users/active/"


def test_choose_columns_is_remembered_for_the_admin(client_as, user_admin, tenant):
    UserFactory(tenant=tenant, display_name="Adele Vance", department="Retail", job_title="Retail Manager")
    client = client_as(user_admin)
    assert [c["label"] for c in client.get(URL).context["columns"]] == ["Username", "Licenses"]
    panel = client.get(f"{URL}columns/", HTTP_HX_REQUEST="true").content.decode()
    assert "Choose columns" in panel and 'value="department"' in panel
    response = client.post(f"{URL}columns/", {"column": ["upn", "department", "job_title", "sign_in", "nonsense"]})
    assert response.status_code == 302
    page = client.get(URL)
    assert [c["label"] for c in page.context["columns"]] == ["Username", "Department", "Job title", "Sign-in status"]
    text = page.content.decode()
    assert "Retail Manager" in text and "Sign-in allowed" in text
    assert User.objects.get(pk=user_admin.pk).user_list_columns == ["upn", "department", "job_title", "sign_in"]


def test_choosing_no_column_brings_back_the_defaults(client_as, user_admin):
    client = client_as(user_admin)
    client.post(f"{URL}columns/", {})
    assert [c["label"] for c in client.get(URL).context["columns"]] == ["Username", "Licenses"]


def test_the_created_column_uses_the_sites_date_format(client_as, license_admin, tenant):
    client = client_as(license_admin)
    client.post(f"{URL}columns/", {"column": ["created"]})
    assert "Jun 17, 2026" in client.get(URL).content.decode()


def test_each_row_has_a_more_actions_menu_for_user_admins(client_as, user_admin, license_admin, tenant):
    adele = UserFactory(tenant=tenant, display_name="Adele Vance")
    page = client_as(user_admin).get(URL).content.decode()
    assert 'aria-label="More actions for Adele Vance"' in page and 'aria-haspopup="menu"' in page
    for item in ("Reset password", "Manage product licenses", "Block sign-in", "Delete user"):
        assert f">{item}</a>" in page
    assert f"/users/active/{adele.pk}/delete/" in page
    page = client_as(license_admin).get(URL).content.decode()  # License admins: licenses only
    assert ">Manage product licenses</a>" in page and ">Delete user</a>" not in page


def test_select_all_users_across_pages_changes_every_matching_user(client_as, license_admin, tenant, subscribe):
    subscribe("SPE_E3", 300)
    for i in range(130):
        UserFactory(tenant=tenant, display_name=f"Sales {i:03d}", department="Sales")
    UserFactory(tenant=tenant, display_name="Other person")
    client = client_as(license_admin)
    page = client.get(URL, {"q": "sales"})
    assert page.context["total_users"] == 130 and "Select all 130 users" in page.content.decode()
    panel = client.get(f"{URL}manage-licenses/", {"all": "1", "q": "sales"}, HTTP_HX_REQUEST="true").content.decode()
    assert "130 users selected" in panel and 'name="all" value="1"' in panel
    response = client.post(f"{URL}manage-licenses/", {"all": "1", "q": "sales", "mode": "add",
                                                      "products": [str(product("SPE_E3").pk)]})
    assert response.status_code == 302
    assert LicenseAssignment.objects.filter(product__sku_part_number="SPE_E3").count() == 130


def test_unassign_all_across_pages_asks_first_naming_users_and_licenses(client_as, license_admin, tenant, subscribe):
    subscribe("SPE_E3", 300)
    people = [UserFactory(tenant=tenant, display_name=f"Sales {i:03d}") for i in range(120)]
    client = client_as(license_admin)
    client.post(f"{URL}manage-licenses/", {"user": [str(p.pk) for p in people], "mode": "add",
                                           "products": [str(product("SPE_E3").pk)]})
    response = client.post(f"{URL}manage-licenses/", {"all": "1", "q": "sales", "mode": "remove_all"},
                           HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Unassign all removes every license from the 120 selected users: Microsoft 365 E3." in text
    assert LicenseAssignment.objects.count() == 120  # nothing changed before the confirmation
    client.post(f"{URL}manage-licenses/", {"all": "1", "q": "sales", "mode": "remove_all", "confirmed": "yes"})
    assert LicenseAssignment.objects.count() == 0
