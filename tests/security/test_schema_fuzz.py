"""Schema fuzzing (schemathesis) of every operation of the OpenAPI schema (drf-spectacular), through the real WSGI
application, as a dedicated tenant's API token holding every scope. Fails on any 5xx and on any answer that does
not match the schema (status code, content type, body). Bounded: FUZZ_EXAMPLES examples per operation, fixed seed."""
import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis import checks

from accounts.scopes import ALL_SCOPES
from accounts.services import api_token_create
from config.wsgi import application
from tests.factories import TenantFactory, UserFactory
from tests.rating.factories import add_credits, make_caller

FUZZ_SEED = 15
FUZZ_EXAMPLES = 12
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("schema_fuzz")]


@pytest.fixture
def keep_test_connection():
    """A real WSGI request closes the database connection at its end; the test's transaction needs it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db, calling_deck_for_fuzz):
    tenant = calling_deck_for_fuzz
    admin = UserFactory(tenant=tenant, upn="fuzz@fuzz.test", display_name="Fuzz Admin", roles=["global_admin"])
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@fuzz.test", number="+14255550111")
    add_credits(tenant, "50.00")
    return api_token_create(tenant=tenant, name="fuzz", actor=admin, scopes=ALL_SCOPES,
                            expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))[1]


@pytest.fixture
def calling_deck_for_fuzz(import_deck, day_ahead):
    tenant = TenantFactory(name="Fuzz Test", initial_domain="fuzz.test")
    from tests.rating.factories import CALLING_DECK

    import_deck(*CALLING_DECK, effective_from=day_ahead(0), tenant=tenant, name="Fuzz deck")
    return tenant


# The schema as the application serves it (drf-spectacular answers without a database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@seed(FUZZ_SEED)
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case, fuzz_token, keep_test_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"}, checks=CHECKS)
