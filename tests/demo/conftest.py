"""The Contoso demo, seeded once for every test of this folder.

`seed_demo` builds a tenant with a year of calls (tens of thousands of records): seeding it per test cost
minutes of worker time. Here a module-scoped fixture seeds it once inside a transaction that is rolled back
after the module, so each test reads it inside its own savepoint and other tests never see it. The tests of
this folder share one xdist group (`make test` runs with --dist loadgroup), so one worker seeds it once.
"""
import datetime
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from accounts.models import Tenant
from tests.conftest import clock_start


@dataclass(frozen=True)
class SeededDemo:
    output: str  # what seed_demo printed
    finished_at: datetime.datetime  # the clock when it finished: the tests read the demo from then on


@pytest.fixture(scope="module")
def seeded_demo(request, django_db_setup, django_db_blocker):
    """The one `seed_demo` run of the module, seeded from the suite's clock."""
    with django_db_blocker.unblock(), time_machine.travel(clock_start(request.config), tick=True):
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's TestCase marks its own: services' durable blocks nest inside it
        outer.__enter__()
        try:
            out = StringIO()
            call_command("seed_demo", stdout=out)
            yield SeededDemo(output=out.getvalue(), finished_at=datetime.datetime.now(datetime.UTC))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def contoso(seeded_demo, db, clock):
    clock.move_to(seeded_demo.finished_at)
    return Tenant.objects.get(initial_domain="contoso.example")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__.startswith("tests.demo."):
            item.add_marker(pytest.mark.xdist_group("demo"))
