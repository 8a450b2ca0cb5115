"""The operator edits the catalogue in the Django admin; subscriptions' quantities stay ledger-only there."""
from accounts.models import User
from licensing.models import Product, ServicePlan
from tests.licensing.factories import product


def operator_client(client, db):
    operator = User.objects.create_superuser("operator@example.com", "Operator-Pass-2026")
    client.force_login(operator)
    return client


def test_operator_edits_a_plans_minutes_in_the_admin(client, db):
    client = operator_client(client, db)
    plan = ServicePlan.objects.get(name="MCOPSTN5")
    page = client.get(f"/django-admin/licensing/serviceplan/{plan.pk}/change/")
    assert page.status_code == 200 and "Domestic Calling Plan (120 min)" in page.content.decode()
    for url in ["/django-admin/licensing/product/", f"/django-admin/licensing/product/{product('SPE_E5').pk}/change/",
                "/django-admin/licensing/subscription/", "/django-admin/licensing/licenseassignment/"]:
        assert client.get(url).status_code == 200, url


def test_product_list_shows_every_part_number(client, db):
    html = operator_client(client, db).get("/django-admin/licensing/product/").content.decode()
    for part in Product.objects.values_list("sku_part_number", flat=True):
        assert part in html
