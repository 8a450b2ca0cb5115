"""Shared fixtures: a tenant, one persona per admin role, an outsider and another tenant's admin."""
import pytest
from django.db import connection

from accounts.roles import Role
from tests.factories import PASSWORD, TenantFactory, UserFactory


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Contoso Test", initial_domain="contoso.test")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Fabrikam Test", initial_domain="fabrikam.test")


def _persona(tenant, local, display, roles):
    return UserFactory(tenant=tenant, upn=f"{local}@{tenant.initial_domain}", display_name=display, roles=roles)


@pytest.fixture
def global_admin(tenant):
    return _persona(tenant, "global", "Grace Global", [Role.GLOBAL_ADMIN])


@pytest.fixture
def billing_admin(tenant):
    return _persona(tenant, "billing", "Bill Billing", [Role.BILLING_ADMIN])


@pytest.fixture
def license_admin(tenant):
    return _persona(tenant, "licenses", "Lena License", [Role.LICENSE_ADMIN])


@pytest.fixture
def user_admin(tenant):
    return _persona(tenant, "users", "Ugo Users", [Role.USER_ADMIN])


@pytest.fixture
def reports_reader(tenant):
    return _persona(tenant, "reports", "Remy Reports", [Role.REPORTS_READER])


@pytest.fixture
def teams_comms_admin(tenant):
    return _persona(tenant, "teams", "Tara Teams", [Role.TEAMS_COMMS_ADMIN])


@pytest.fixture
def no_role_user(tenant):
    return _persona(tenant, "nobody", "Nora Noroles", [])


@pytest.fixture
def other_tenant_admin(other_tenant):
    return _persona(other_tenant, "global", "Otto Other", [Role.GLOBAL_ADMIN])


@pytest.fixture
def client_as(client):
    """client_as(user) signs the test client in as `user` and returns it."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_client_for(db):
    """api_client_for(tenant) returns a DRF client carrying a fresh bearer token of that tenant."""
    from rest_framework.test import APIClient

    from accounts.services import api_token_create

    def make(tenant, actor=None):
        _, raw = api_token_create(tenant=tenant, name="test token", actor=actor)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return make


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real row locks; they are skipped on SQLite and run in CI's PostgreSQL pass."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


# Reference data that data migrations load (catalogue, ...). A transactional test's flush removes it, so it is
# loaded again for those tests: (migration module, loader function, model whose emptiness means "flushed").
REFERENCE_DATA = [
    ("licensing.migrations.0002_catalogue", "load_catalogue", "licensing.Product"),
    ("billing.migrations.0002_recommended_funding", "seed", "billing.RecommendedFunding"),
]


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if not transactional and "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    from importlib import import_module

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module, loader, model in REFERENCE_DATA:
        if not apps.get_model(model).objects.exists():
            getattr(import_module(module), loader)(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions_at_teardown(django_db_setup, django_db_blocker):
    """Ends sessions that test threads (a live server's, a worker's, a race test's) left open on PostgreSQL.

    Dropping the test database fails while any other session uses it ("is being accessed by other users"),
    which left test databases behind. This runs after every test of the process and before pytest-django
    drops the database.
    """
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
