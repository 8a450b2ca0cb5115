"""Tests for longest-prefix matching and for the default rate deck that ships with the product."""

import csv
import re
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest

import billing.rating.prefixes
from billing.rating.prefixes import PrefixTable

DEFAULT_DECK = Path(billing.rating.prefixes.__file__).parent / "data" / "default_rates.csv"
HEADER = [
    "prefix",
    "destination",
    "country",
    "number_type",
    "price_per_minute",
    "connection_fee",
    "first_increment",
    "increment",
]
NUMBER_TYPES = {"fixed", "mobile", "toll-free", "premium", "shared-cost"}
MONEY = re.compile(r"\d+\.\d{2,4}")

# The 44 Zone A countries of Audio Conferencing dial-out (docs: PRODUCT.md, "Zone A").
ZONE_A = {
    "AU", "AT", "BE", "BR", "BG", "CA", "CN", "HR", "CZ", "DK", "EE", "FI", "FR", "DE", "GR",
    "HK", "HU", "IN", "IE", "IT", "JP", "LU", "MY", "MX", "NL", "NZ", "NO", "PL", "PT", "PR",
    "RO", "RU", "SG", "SK", "SI", "ZA", "KR", "ES", "SE", "CH", "TW", "TH", "GB", "US",
}  # fmt: skip
# Mobiles share area codes with landlines in the NANP and, since 2019, in Mexico: no prefix tells them apart.
MOBILE_NOT_BY_PREFIX = {"US", "CA", "PR", "MX"}
# NANP toll-free codes (800, 833, ...) are one pool for the whole plan, carried once under US.
NANP_SHARED_TOLL_FREE = {"CA", "PR"}


@pytest.fixture(scope="module")
def deck_rows():
    with DEFAULT_DECK.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def deck(deck_rows):
    return PrefixTable((row["prefix"], row) for row in deck_rows)


def types_by_country(rows):
    found = {}
    for row in rows:
        found.setdefault(row["country"], set()).add(row["number_type"])
    return found


# --- PrefixTable ---


def test_longest_matching_prefix_wins():
    table = PrefixTable([("44", "uk"), ("447", "uk mobile"), ("4475", "uk mobile 75")])

    assert table.lookup("447512345678") == "uk mobile 75"
    assert table.lookup("447712345678") == "uk mobile"
    assert table.lookup("442079460000") == "uk"


def test_order_of_the_pairs_does_not_matter():
    table = PrefixTable([("4475", "uk mobile 75"), ("44", "uk"), ("447", "uk mobile")])

    assert table.lookup("447512345678") == "uk mobile 75"
    assert table.lookup("447012345678") == "uk mobile"


def test_number_matching_no_prefix_gives_none():
    table = PrefixTable([("44", "uk"), ("1", "nanp")])

    assert table.lookup("33142685300") is None
    assert table.lookup("") is None
    assert PrefixTable([]).lookup("442079460000") is None


def test_number_equal_to_a_prefix_matches_it():
    table = PrefixTable([("4", "4"), ("44", "44"), ("4420794600", "long")])

    assert table.lookup("44") == "44"
    assert table.lookup("442") == "44"
    assert table.lookup("4420794600") == "long"


def test_remembered_answers_equal_fresh_ones_and_a_full_memory_still_answers(monkeypatch):
    monkeypatch.setattr(billing.rating.prefixes, "REMEMBERED_NUMBERS", 2)
    table = PrefixTable([("44", "uk"), ("447", "uk mobile")])
    numbers = {"447512345678": "uk mobile", "33142685300": None, "442079460000": "uk", "447700900123": "uk mobile"}

    first = {number: table.lookup(number) for number in numbers}
    again = {number: table.lookup(number) for number in reversed(numbers)}

    assert first == again == numbers
    assert len(table._answers) == 2


def test_table_reports_its_size_and_the_lengths_it_probes():
    table = PrefixTable([("1", "a"), ("1800", "b"), ("1900", "c"), ("44", "d")])

    assert len(table) == 4
    assert table.lengths == (4, 2, 1)


def test_duplicate_prefix_is_refused_by_name():
    with pytest.raises(ValueError, match="'447'"):
        PrefixTable([("44", "a"), ("447", "b"), ("447", "c")])


@pytest.mark.parametrize("bad", ["", "+44", "44 7", "4a", "٤٤", "44²", " 44"])
def test_prefix_that_is_not_ascii_digits_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        PrefixTable([("1", "ok"), (bad, "bad")])


def test_prefix_that_is_not_a_string_is_refused():
    with pytest.raises(ValueError, match="447"):
        PrefixTable([(447, "int")])


# --- The default rate deck ---


def test_deck_header_is_exact():
    with DEFAULT_DECK.open(newline="") as f:
        assert next(csv.reader(f)) == HEADER


def test_deck_has_no_duplicate_prefix_and_is_sorted(deck_rows):
    prefixes = [row["prefix"] for row in deck_rows]

    assert len(prefixes) == len(set(prefixes))
    assert prefixes == sorted(prefixes)


def test_deck_rows_are_well_formed(deck_rows):
    for row in deck_rows:
        assert row["number_type"] in NUMBER_TYPES, row
        assert row["destination"].strip(), row
        for field in ("price_per_minute", "connection_fee"):
            assert MONEY.fullmatch(row[field]), row
            assert Decimal(row[field]) >= 0, row
        assert Decimal(row["price_per_minute"]) > 0, row
        assert int(row["first_increment"]) > 0, row
        assert int(row["increment"]) > 0, row


def test_every_prefix_starts_with_its_countrys_calling_code(deck_rows):
    for row in deck_rows:
        calling_code = phonenumbers.country_code_for_region(row["country"])
        assert calling_code != 0, f"unknown country {row['country']!r}"
        assert row["prefix"].startswith(str(calling_code)), row


def test_every_zone_a_country_has_fixed_mobile_and_toll_free_rows(deck_rows):
    found = types_by_country(deck_rows)

    for country in sorted(ZONE_A):
        expected = {"fixed", "mobile", "toll-free"}
        if country in MOBILE_NOT_BY_PREFIX:
            expected.discard("mobile")
        if country in NANP_SHARED_TOLL_FREE:
            expected.discard("toll-free")
        assert expected <= found.get(country, set()), country
    assert {"fixed", "toll-free"} <= found["US"]


def test_deck_covers_at_least_thirty_countries_outside_zone_a_with_fixed_and_mobile_rows(deck_rows):
    found = types_by_country(deck_rows)
    outside = {country for country, types in found.items() if country not in ZONE_A and {"fixed", "mobile"} <= types}

    assert len(outside) >= 30, sorted(outside)


@pytest.mark.parametrize(
    ("prefix", "country", "number_type"),
    [
        ("449", "GB", "premium"),
        ("4484", "GB", "shared-cost"),
        ("4487", "GB", "shared-cost"),
        ("49900", "DE", "premium"),
        ("3389", "FR", "premium"),
        ("1900", "US", "premium"),
        ("61190", "AU", "premium"),
    ],
)
def test_deck_marks_premium_and_shared_cost_ranges(deck_rows, prefix, country, number_type):
    rows = {row["prefix"]: row for row in deck_rows}

    assert rows[prefix]["country"] == country
    assert rows[prefix]["number_type"] == number_type


def test_premium_rows_cost_more_than_the_fixed_row_of_their_country(deck_rows):
    fixed = {row["country"]: Decimal(row["price_per_minute"]) for row in deck_rows if row["number_type"] == "fixed"}

    for row in deck_rows:
        if row["number_type"] == "premium":
            assert Decimal(row["price_per_minute"]) > fixed[row["country"]], row


@pytest.mark.parametrize(
    ("e164", "country", "number_type", "prefix"),
    [
        ("+447700900123", "GB", "mobile", "447"),
        ("+442079460000", "GB", "fixed", "44"),
        ("+448001111111", "GB", "toll-free", "44800"),
        ("+449098790000", "GB", "premium", "449"),
        ("+18005550100", "US", "toll-free", "1800"),
        ("+12125550100", "US", "fixed", "1"),
        ("+17875550100", "PR", "fixed", "1787"),
        ("+14165550100", "CA", "fixed", "1416"),
        ("+4915112345678", "DE", "mobile", "4915"),
        ("+4930123456", "DE", "fixed", "49"),
        ("+6580012345", "SG", "toll-free", "65800"),
        ("+6581234567", "SG", "mobile", "658"),
        ("+79161234567", "RU", "mobile", "79"),
        ("+77011234567", "KZ", "mobile", "770"),
    ],
)
def test_real_numbers_resolve_to_the_expected_row(deck, e164, country, number_type, prefix):
    row = deck.lookup(phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.E164)[1:])

    assert (row["prefix"], row["country"], row["number_type"]) == (prefix, country, number_type)
