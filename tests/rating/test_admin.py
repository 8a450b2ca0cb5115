"""Operators import and export rate decks in the Django admin; versions and rates there are read-only."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from billing.rating.models import RateDeckVersion

from .conftest import HEADER, deck_csv

IMPORT = reverse("admin:rating_ratedeckversion_import")


@pytest.fixture
def operator(db, password):
    return User.objects.create_superuser("operator@admin.example", password)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def post_import(client, content, effective_from, tenant=""):
    return client.post(IMPORT, {"tenant": tenant, "name": "Carrier deck", "effective_from": effective_from.isoformat(),
                                "file": SimpleUploadedFile("carrier.csv", content, content_type="text/csv")})


def test_the_version_list_offers_import_and_export(operator_client):
    body = operator_client.get(reverse("admin:rating_ratedeckversion_changelist")).content.decode()

    assert "Import rates" in body
    assert "Default rates" in body and "Global" in body
    version = RateDeckVersion.objects.get()
    assert reverse("admin:rating_ratedeckversion_export", args=[version.pk]) in body


def test_an_operator_imports_a_global_deck(operator_client, operator, day_ahead):
    response = post_import(operator_client, deck_csv("44,UK,GB,fixed,0.0300,0.00,60,60"), day_ahead(3))

    assert response.status_code == 302
    version = RateDeckVersion.objects.get(name="Carrier deck")
    assert (version.tenant, version.imported_by, version.imported_by_label) == (None, operator, "operator@admin.example")


def test_an_operator_imports_a_tenants_own_deck(operator_client, tenant, day_ahead):
    post_import(operator_client, deck_csv("44,UK,GB,fixed,0.0300,0.00,60,60"), day_ahead(3), tenant=str(tenant.pk))

    assert RateDeckVersion.objects.get(name="Carrier deck").tenant == tenant


def test_a_bad_file_in_the_admin_lists_its_problems_and_imports_nothing(operator_client, day_ahead):
    response = post_import(operator_client, deck_csv("44,UK,XX,fixed,0.0300,0.00,60,60"), day_ahead(3))

    assert response.status_code == 200
    body = response.content.decode()
    assert "line 2, column country: &#x27;XX&#x27; is not an ISO 3166 two-letter country code" in body
    assert "The rate file has 1 problem; nothing was imported." in body
    assert not RateDeckVersion.objects.filter(name="Carrier deck").exists()


def test_an_operator_exports_any_version(operator_client, import_deck, other_tenant, day_ahead):
    version = import_deck("33,France,FR,fixed,0.02,0.00,60,60", effective_from=day_ahead(2), tenant=other_tenant)

    response = operator_client.get(reverse("admin:rating_ratedeckversion_export", args=[version.pk]))

    assert response.content.decode() == f"{HEADER}\n33,France,FR,fixed,0.0200,0.00,60,60\n"


def test_versions_and_rates_cannot_be_edited_or_deleted_in_the_admin(operator_client):
    version = RateDeckVersion.objects.get()
    rate = version.rates.first()

    assert operator_client.post(reverse("admin:rating_ratedeckversion_delete", args=[version.pk]),
                                {"post": "yes"}).status_code == 403
    assert operator_client.post(reverse("admin:rating_rate_change", args=[rate.pk]),
                                {"prefix": "1"}).status_code == 403
    assert RateDeckVersion.objects.filter(pk=version.pk).exists()
    assert operator_client.get(reverse("admin:rating_rate_changelist"), {"q": "447"}).status_code == 200


def test_tenant_admins_cannot_reach_the_operator_import(client_as, global_admin):
    response = client_as(global_admin).get(IMPORT)

    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]
