"""rate_for: longest prefix, the version in effect when a call starts, tenant decks, and the shared in-memory cache."""
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from djmoney.money import Money

from billing.rating.lookup import RateCache, rate_cache
from billing.rating.models import RateDeckVersion
from billing.rating.numbers import InvalidNumber, parse_number
from billing.rating.selectors import rate_book, rate_for
from billing.rating.services import rate_deck_import

from .conftest import deck_csv, noon

REPO = Path(__file__).resolve().parents[2]
LONDON = "+442079460000"
UK_MOBILE = "+447400123456"


def price(match):
    return match.price_per_minute.amount if match else None


def test_the_default_deck_rates_real_numbers_by_their_longest_prefix(db):
    at = noon(datetime.date(2024, 5, 1))

    fixed = rate_for(tenant=None, number=LONDON, at=at)
    mobile = rate_for(tenant=None, number=UK_MOBILE, at=at)

    assert (fixed.prefix, fixed.number_type, fixed.price_per_minute) == ("44", "fixed", Money("0.0240", "USD"))
    assert (mobile.prefix, mobile.destination) == ("447", "United Kingdom - Mobile")
    assert (mobile.deck_version.name, mobile.effective_from) == ("Default rates", datetime.date(2020, 1, 1))
    assert mobile.currency == "USD"
    assert rate_for(tenant=None, number="+18005550100", at=at).prefix == "1800"


def test_no_rate_before_the_first_version_or_for_a_number_no_row_matches(import_deck, day_ahead):
    import_deck("447,UK mobile,GB,mobile,0.05,0.00,60,60", effective_from=day_ahead(1), name="Mobile only")
    before_default = datetime.datetime(2019, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)

    assert rate_for(tenant=None, number=LONDON, at=before_default) is None
    assert rate_for(tenant=None, number=LONDON, at=noon(day_ahead(1))) is None
    assert rate_for(tenant=None, number=UK_MOBILE, at=noon(day_ahead(1))).deck_version.name == "Mobile only"


def test_each_call_is_rated_by_the_version_in_effect_when_it_starts(import_deck, day_ahead):
    import_deck("44,UK,GB,fixed,0.0300,0.00,60,60", effective_from=day_ahead(10))
    import_deck("44,UK,GB,fixed,0.0400,0.00,60,60", effective_from=day_ahead(20))
    last_second = datetime.datetime.combine(day_ahead(10), datetime.time(0), tzinfo=datetime.UTC) - datetime.timedelta(
        seconds=1)
    midnight = last_second + datetime.timedelta(seconds=1)

    assert str(price(rate_for(tenant=None, number=LONDON, at=last_second))) == "0.0240"
    assert str(price(rate_for(tenant=None, number=LONDON, at=midnight))) == "0.0300"
    assert str(price(rate_for(tenant=None, number=LONDON, at=noon(day_ahead(19))))) == "0.0300"
    assert str(price(rate_for(tenant=None, number=LONDON, at=noon(day_ahead(20))))) == "0.0400"


def test_the_day_of_a_call_is_its_utc_day(import_deck, day_ahead):
    import_deck("44,UK,GB,fixed,0.0300,0.00,60,60", effective_from=day_ahead(10))
    # 20:00 in Seattle on the day before is 04:00 UTC on the effective date.
    seattle = datetime.timezone(datetime.timedelta(hours=-8))
    evening = datetime.datetime.combine(day_ahead(9), datetime.time(20, 0), tzinfo=seattle)

    assert str(price(rate_for(tenant=None, number=LONDON, at=evening))) == "0.0300"


def test_the_latest_import_for_a_date_replaces_the_earlier_one(import_deck, day_ahead):
    import_deck("44,UK,GB,fixed,0.0300,0.00,60,60", effective_from=day_ahead(10))
    import_deck("44,UK,GB,fixed,0.0310,0.00,60,60", effective_from=day_ahead(10), name="Corrected")

    match = rate_for(tenant=None, number=LONDON, at=noon(day_ahead(10)))

    assert (str(price(match)), match.deck_version.name) == ("0.0310", "Corrected")


def test_a_tenant_deck_overrides_the_global_rows_it_has_and_only_for_that_tenant(import_deck, tenant, other_tenant,
                                                                                   day_ahead):
    import_deck("447,Contoso UK mobile,GB,mobile,0.0300,0.05,60,60", "4420,Contoso London,GB,fixed,0.0100,0.00,1,1",
                effective_from=day_ahead(1), tenant=tenant)
    at = noon(day_ahead(1))

    own_mobile = rate_for(tenant=tenant, number=UK_MOBILE, at=at)
    assert (own_mobile.destination, str(price(own_mobile))) == ("Contoso UK mobile", "0.0300")
    assert own_mobile.deck_version.scope_label == "Your organization"
    # A longer prefix of its own wins; numbers its deck does not cover keep the operator's rate.
    assert rate_for(tenant=tenant, number=LONDON, at=at).destination == "Contoso London"
    assert rate_for(tenant=tenant, number="+33142685300", at=at).deck_version.name == "Default rates"
    # Before its own deck starts, and for every other tenant, the global deck applies.
    assert rate_for(tenant=tenant, number=UK_MOBILE, at=noon(day_ahead(0))).destination == "United Kingdom - Mobile"
    assert rate_for(tenant=other_tenant, number=UK_MOBILE, at=at).destination == "United Kingdom - Mobile"


def test_a_longer_global_prefix_beats_a_shorter_tenant_prefix(import_deck, tenant, day_ahead):
    import_deck("44,Contoso UK,GB,fixed,0.0100,0.00,60,60", effective_from=day_ahead(1), tenant=tenant)

    match = rate_for(tenant=tenant, number=UK_MOBILE, at=noon(day_ahead(1)))

    assert (match.prefix, match.deck_version.name) == ("447", "Default rates")


def test_a_malformed_number_is_an_error_naming_it(db):
    with pytest.raises(InvalidNumber, match="'\\+44 20' is not a valid phone number"):
        rate_for(tenant=None, number="+44 20", at=noon(datetime.date(2024, 1, 1)))


def test_the_start_of_a_call_must_carry_a_time_zone(db):
    with pytest.raises(ValueError, match="timezone-aware"):
        rate_for(tenant=None, number=LONDON, at=datetime.datetime(2024, 1, 1, 12))


# --- The cache ---


def test_a_warm_lookup_costs_one_primary_key_query_and_a_rate_book_none(db, django_assert_num_queries):
    at = noon(datetime.date(2024, 5, 1))
    london = parse_number(LONDON)
    rate_for(tenant=None, number=london, at=at)

    with django_assert_num_queries(1) as captured:
        rate_for(tenant=None, number=london, at=at)
    assert "rating_ratedeckgeneration" in captured.captured_queries[0]["sql"]

    book = rate_book()
    with django_assert_num_queries(0):
        for number in (LONDON, UK_MOBILE, "+4930123456", "+12125550100") * 50:
            book.rate_for(tenant=None, digits=parse_number(number).digits, at=at)


def test_an_import_in_one_process_is_seen_by_another_on_its_next_lookup(import_deck, day_ahead):
    # Two caches stand for two worker processes: each only learns of the import through the generation row.
    first, second = RateCache(), RateCache()
    at = noon(day_ahead(3))
    london = parse_number(LONDON).digits
    assert str(price(first.book().rate_for(tenant=None, digits=london, at=at))) == "0.0240"
    assert str(price(second.book().rate_for(tenant=None, digits=london, at=at))) == "0.0240"

    import_deck("44,UK,GB,fixed,0.0999,0.00,60,60", effective_from=day_ahead(3))

    assert str(price(first.book().rate_for(tenant=None, digits=london, at=at))) == "0.0999"
    assert str(price(second.book().rate_for(tenant=None, digits=london, at=at))) == "0.0999"


def test_reloading_keeps_the_tables_already_built(import_deck, day_ahead, django_assert_num_queries):
    at = noon(day_ahead(3))
    rate_for(tenant=None, number=LONDON, at=at)
    default_table = rate_cache.book().table(rate_cache.book().version_in_effect(None, at.date()))

    import_deck("33,France,FR,fixed,0.0200,0.00,60,60", effective_from=day_ahead(5))

    # Token, list of versions; the default deck's table is reused rather than reloaded.
    with django_assert_num_queries(2):
        rate_for(tenant=None, number=LONDON, at=at)
    assert rate_cache.book().table(rate_cache.book().version_in_effect(None, at.date())) is default_table


def test_the_importing_process_rebuilds_at_once_so_its_next_lookup_is_one_query(
        import_deck, day_ahead, django_capture_on_commit_callbacks, django_assert_num_queries):
    at = noon(day_ahead(3))
    rate_for(tenant=None, number=LONDON, at=at)

    with django_capture_on_commit_callbacks(execute=True):
        import_deck("44,UK,GB,fixed,0.0555,0.00,60,60", effective_from=day_ahead(3))

    with django_assert_num_queries(1):
        assert str(price(rate_for(tenant=None, number=LONDON, at=at))) == "0.0555"


def test_a_rolled_back_import_never_hides_a_later_one(import_deck, day_ahead):
    # The token is random: with a counter, the next import would reuse the rolled-back import's number
    # and a process that saw the rolled-back deck would keep it.
    at = noon(day_ahead(3))
    savepoint = transaction.savepoint()
    import_deck("44,UK,GB,fixed,0.0999,0.00,60,60", effective_from=day_ahead(3), name="Rolled back")
    assert str(price(rate_for(tenant=None, number=LONDON, at=at))) == "0.0999"
    transaction.savepoint_rollback(savepoint)

    import_deck("44,UK,GB,fixed,0.0777,0.00,60,60", effective_from=day_ahead(3), name="Kept")

    assert not RateDeckVersion.objects.filter(name="Rolled back").exists()
    assert str(price(rate_for(tenant=None, number=LONDON, at=at))) == "0.0777"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_separate_process_sees_an_import_without_being_told(day_ahead):
    rate_deck_import(content=deck_csv("44,UK,GB,fixed,0.0300,0.00,60,60"), effective_from=day_ahead(3))
    settings_dict = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
                           f"{settings_dict['NAME']}"}
    worker = subprocess.Popen([sys.executable, str(Path(__file__).with_name("rate_worker.py"))], cwd=REPO, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        def ask(number, day):
            worker.stdin.write(f"{number} {noon(day).isoformat()}\n")
            worker.stdin.flush()
            return json.loads(worker.stdout.readline())

        assert ask(LONDON, day_ahead(3)) == {"prefix": "44", "price": "0.0300", "pid": worker.pid}

        rate_deck_import(content=deck_csv("44,UK,GB,fixed,0.0310,0.00,60,60"), effective_from=day_ahead(3))

        assert ask(LONDON, day_ahead(3)) == {"prefix": "44", "price": "0.0310", "pid": worker.pid}
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
