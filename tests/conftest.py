"""Shared fixtures: the clock every test starts from, a tenant, one persona per admin role, an outsider and another
tenant's admin."""
import contextlib
import datetime
import os
from pathlib import Path

import pytest
import time_machine
from django.db import connection

from accounts.roles import Role
from core.append_only import allow_test_flush
from tests.factories import PASSWORD, TenantFactory, UserFactory

# Transactional tests empty every table between tests: that flush lifts the append-only triggers (core/append_only.py).
allow_test_flush()

# Every test starts at this instant (UTC) and time runs on from it, so no test depends on the day it runs. CI runs the
# tests marked `dates` again from the edges of the calendar (`pytest --clock=2028-02-29T12:00:00Z -m dates`).
DEFAULT_CLOCK = "2026-06-17T09:30:00+00:00"


def pytest_addoption(parser):
    parser.addoption("--clock", default=os.environ.get("TEST_CLOCK") or DEFAULT_CLOCK,
                     help=f"the instant every test starts at, ISO 8601 (default {DEFAULT_CLOCK}; env TEST_CLOCK)")


def clock_start(config):
    raw = config.getoption("--clock").replace("Z", "+00:00")
    try:
        start = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise pytest.UsageError(f"--clock={raw!r} is not an ISO 8601 instant such as 2028-02-29T12:00:00Z") from None
    if start.tzinfo is None:
        raise pytest.UsageError(f"--clock={raw!r} needs an offset (Z or +00:00)")
    return start.astimezone(datetime.UTC)


def pytest_report_header(config):
    return f"clock: every test starts at {clock_start(config).isoformat()}"


class Clock:
    """The time of a test. It starts at --clock and runs on; `at` stops it at an instant (for tests that compare
    exact times), `advance` and `move_to` jump. Every thread of the process sees it (time-machine patches the
    clock itself, not one module's `now`)."""

    def __init__(self, start):
        self._travels = []
        self._travel(start, tick=True)

    def _travel(self, when, *, tick):
        travel = time_machine.travel(when, tick=tick)
        self._travels.append((travel, travel.start(), tick))

    def now(self):
        return datetime.datetime.now(datetime.UTC)

    def today(self):
        return self.now().date()

    def at(self, *parts, **kwargs):
        """Stops the clock at datetime(*parts) UTC, or at `when=`."""
        when = kwargs.pop("when", None) or datetime.datetime(*parts, tzinfo=datetime.UTC, **kwargs)
        _, traveller, tick = self._travels[-1]
        if tick:
            self._travel(when, tick=False)
        else:
            traveller.move_to(when)
        return self.now()

    def settle(self, *, day=5, hour=6):
        """Moves the clock forward, if needed, to at least `hour`:00 of its day and the `day`th of its month, for tests
        that place activity a few hours or days back and need it in today's deck or this month's pools. The edges of
        days and months are tested with explicit dates instead."""
        current = self.now()
        earliest = max(current.replace(day=day, hour=hour, minute=0, second=0, microsecond=0),
                       current.replace(hour=hour, minute=0, second=0, microsecond=0))
        return self.move_to(earliest) if current < earliest else current

    def advance(self, **delta):
        self._travels[-1][1].shift(datetime.timedelta(**delta))
        return self.now()

    def move_to(self, when):
        self._travels[-1][1].move_to(when)
        return self.now()

    @contextlib.contextmanager
    def frozen(self, when):
        """Stops the clock at `when` inside the block; after it, the clock runs on from where it was."""
        depth = len(self._travels)
        self._travel(when, tick=False)
        try:
            yield self
        finally:
            while len(self._travels) > depth:
                travel, _, _ = self._travels.pop()
                travel.stop()

    def stop(self):
        while self._travels:
            travel, _, _ = self._travels.pop()
            travel.stop()


@pytest.fixture(autouse=True)
def clock(request):
    """The suite's clock for this test (see Clock). Tests marked `real_clock` (a worker in another process reads the
    same rows) keep the machine's time."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    found = Clock(clock_start(request.config))
    yield found
    found.stop()


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
def client_as(client, db):
    """client_as(user) signs the test client in as `user` and returns it. It asks for the database itself, so a test
    that picks its persona with request.getfixturevalue() has one even when it runs alone."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_client_for(db):
    """api_client_for(tenant) returns a DRF client carrying a fresh bearer token of that tenant (every scope unless
    `scopes=` names some)."""
    from rest_framework.test import APIClient

    from accounts.scopes import ALL_SCOPES
    from accounts.services import api_token_create

    def make(tenant, actor=None, scopes=ALL_SCOPES):
        _, raw = api_token_create(tenant=tenant, name="test token", actor=actor, scopes=scopes)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return make


# Modules whose tests depend on the calendar (months, pools, expiry, statements, report periods, recharge retries, the
# demo): marked `dates`, so CI runs them again from the edges of the calendar (see .ci/run). A test elsewhere can
# carry @pytest.mark.dates itself.
DATE_SENSITIVE = {
    "tests/billing/test_funding.py", "tests/billing/test_ledger.py", "tests/billing/test_ledger_stateful.py",
    "tests/billing/test_reservations_and_expiry.py", "tests/billing/test_credits_pages.py",
    "tests/invoices/test_demo.py", "tests/invoices/test_monthly_statements.py", "tests/invoices/test_services.py",
    "tests/invoices/test_statement_data.py", "tests/invoices/test_views.py", "tests/invoices/test_api.py",
    "tests/notifications/test_sending.py", "tests/notifications/test_delivery.py",
    "tests/rating/test_call_import.py", "tests/rating/test_calls_api.py", "tests/rating/test_call_rules.py",
    "tests/rating/test_demo_and_simulation.py", "tests/rating/test_import.py", "tests/rating/test_lookup.py",
    "tests/rating/test_minute_pools.py",
    "tests/recharge/test_failures.py", "tests/recharge/test_notices.py", "tests/recharge/test_processing.py",
    "tests/recharge/test_trigger.py", "tests/recharge/test_page.py",
    "tests/reporting/test_credits_dashboard.py", "tests/reporting/test_exports.py", "tests/reporting/test_graph.py",
    "tests/reporting/test_periods.py", "tests/reporting/test_pools_and_blocked.py", "tests/reporting/test_usage_report.py",
}
TESTS_ROOT = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Marks the calendar's tests `dates`. Tests marked `postgres` need real row locks; they are skipped on SQLite
    and run in CI's PostgreSQL pass."""
    from django.conf import settings

    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(TESTS_ROOT.parent).as_posix()
        if relative in DATE_SENSITIVE or relative.startswith("tests/demo/"):
            item.add_marker(pytest.mark.dates)

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
    ("licensing.migrations.0004_service_plan_service", "fill_services", "licensing.Product"),
    ("billing.credits.migrations.0002_recommended_funding", "seed", "billing.RecommendedFunding"),
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
    # Which tables were emptied is decided before any loader runs: a later loader may fill what an earlier one made.
    flushed = [(module, loader) for module, loader, model in REFERENCE_DATA if not apps.get_model(model).objects.exists()]
    for module, loader in flushed:
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
