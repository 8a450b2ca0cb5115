"""Fixtures of the rating tests: small rate files, dates ahead of today, importing decks, the calling deck."""
import datetime

import pytest

from billing.rating.lookup import rate_cache
from billing.rating.selectors import today_utc
from billing.rating.services import rate_deck_import
from tests.rating.factories import CALLING_DECK, add_credits, make_caller

HEADER = "prefix,destination,country,number_type,price_per_minute,connection_fee,first_increment,increment"


def deck_csv(*lines, header=HEADER):
    """A rate file from CSV lines (without the header), as the bytes an upload carries."""
    return ("\n".join([header, *lines]) + "\n").encode()


def noon(day):
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=datetime.UTC)


@pytest.fixture
def day_ahead():
    """day_ahead(n): the date n days after today (UTC); imports refuse dates in the past."""
    return lambda days: today_utc() + datetime.timedelta(days=days)


@pytest.fixture
def import_deck(db):
    def run(*lines, effective_from, tenant=None, name="", actor=None, source_file_name="test.csv"):
        return rate_deck_import(content=deck_csv(*lines), effective_from=effective_from, tenant=tenant, name=name,
                                actor=actor, source_file_name=source_file_name)

    return run


@pytest.fixture(autouse=True)
def fresh_rate_cache():
    """Each test starts with a cold process cache, as a new worker would."""
    rate_cache.clear()
    yield
    rate_cache.clear()


@pytest.fixture
def calling_deck(tenant, import_deck, day_ahead):
    """The tenant's own rate deck (tests/rating/factories.CALLING_DECK), in effect from today."""
    return import_deck(*CALLING_DECK, effective_from=day_ahead(0), tenant=tenant, name="Calling test deck")


@pytest.fixture
def funded_caller(tenant, calling_deck):
    """ada@contoso.test with Teams Phone, a Domestic Calling Plan and Communications Credits ($10 of them), and her
    own number."""
    add_credits(tenant, "10.00")
    return make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")


@pytest.fixture
def now(clock):
    """The clock's time, at least 06:00 on the 5th of its month (Clock.settle): these tests place calls up to an hour
    before now in the tenant's deck, in force from today, and up to three days back in the same month's pools."""
    return clock.settle()
