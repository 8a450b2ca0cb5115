"""The rate file format: every problem named by line and column, optional increments, hashing and writing."""
import io
from decimal import Decimal

import pytest

from billing.rating.deckfile import SHOWN_PROBLEMS, DeckFileInvalid, DeckRow, content_hash, parse_deck, write_deck

from .conftest import HEADER, deck_csv


def problems_of(content):
    with pytest.raises(DeckFileInvalid) as caught:
        parse_deck(content)
    return [str(p) for p in caught.value.problems]


def test_a_good_file_gives_typed_rows():
    rows = parse_deck(deck_csv("44,United Kingdom - Fixed,GB,fixed,0.0240,0.00,60,60",
                               "447,United Kingdom - Mobile,gb,Mobile,0.05,0.10,1,1"))

    assert rows == [
        DeckRow("44", "United Kingdom - Fixed", "GB", "fixed", Decimal("0.0240"), Decimal("0.00"), 60, 60),
        DeckRow("447", "United Kingdom - Mobile", "GB", "mobile", Decimal("0.05"), Decimal("0.10"), 1, 1),
    ]


def test_the_example_error_of_the_issue_is_worded_as_promised():
    lines = [f"44{n:02d},United Kingdom,GB,fixed,0.0240,0.00,60,60" for n in range(12)]
    lines.append("4499,United Kingdom,GB,fixed,abc,0.00,60,60")

    assert problems_of(deck_csv(*lines)) == [
        "line 14, column price_per_minute: 'abc' is not a decimal amount (write it like 0.0240, with a point and no "
        "currency sign)"]


def test_every_problem_of_every_line_is_reported_at_once():
    content = deck_csv(
        "+44,UK,GB,fixed,0.02,0.00,60,60",
        "33,,GB,fixd,-1,0.005,0,abc",
        "447,UK mobile,UK,mobile,0.12345,1000,60,60",
        "1,US,US,fixed,0.01,0.00",
        "1,US again,US,fixed,0.01,0.00,60,60",
        "1,US third,US,fixed,0.01,0.00,60,60",
    )

    assert problems_of(content) == [
        "line 2, column prefix: '+44' is not a prefix: use the digits 0-9 of E.164 without '+', for example 4420",
        "line 3, column destination: enter the name of the destination, for example 'United Kingdom - Mobile'",
        "line 3, column prefix: '33' does not start with +44, the calling code of GB",
        "line 3, column number_type: 'fixd' is not a number type (fixed, mobile, toll-free, premium, shared-cost)",
        "line 3, column price_per_minute: '-1' is negative; amounts are 0 or more",
        "line 3, column connection_fee: '0.005' has more than 2 decimal places",
        "line 3, column first_increment: '0' is not a whole number of seconds from 1 to 3600",
        "line 3, column increment: 'abc' is not a whole number of seconds from 1 to 3600",
        "line 4, column country: 'UK' is not an ISO 3166 two-letter country code (for example GB, US, DE)",
        "line 4, column price_per_minute: '0.12345' has more than 4 decimal places",
        "line 4, column connection_fee: '1000' is more than 999.99",
        "line 5: expected 8 values, found 6",
        "line 7, column prefix: '1' repeats the prefix of line 6",
    ]


def test_increments_default_to_per_minute_when_the_columns_or_cells_are_left_out():
    header = "prefix,destination,country,number_type,price_per_minute,connection_fee"
    rows = parse_deck(deck_csv("44,UK,GB,fixed,0.02,0.00", header=header))
    assert (rows[0].first_increment, rows[0].increment) == (60, 60)

    rows = parse_deck(deck_csv("44,UK,GB,fixed,0.02,0.00,,30"))
    assert (rows[0].first_increment, rows[0].increment) == (60, 30)


def test_columns_may_come_in_any_order():
    header = "country,prefix,increment,first_increment,destination,number_type,connection_fee,price_per_minute"
    rows = parse_deck(deck_csv("GB,44,6,30,UK,fixed,0.05,0.0240", header=header))

    assert rows == [DeckRow("44", "UK", "GB", "fixed", Decimal("0.0240"), Decimal("0.05"), 30, 6)]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "line 1: the file is empty; the first line must name the columns: prefix,destination,country,"),
        (HEADER.encode() + b"\n", "line 1: the file names the columns but holds no rates"),
        (b"prefix;destination;country\n44;UK;GB\n", "line 1: 'prefix;destination;country' is not a column of a rate "
                                                   "file; columns must be separated by commas"),
        (deck_csv("44,UK,GB,fixed,0.02,0.00,60,60", header=HEADER.replace("increment", "incr")),
         "line 1: 'first_incr' is not a column of a rate file"),
        (deck_csv("44,UK,GB,fixed,0.02", header="prefix,destination,country,number_type,price_per_minute"),
         "line 1: the column 'connection_fee' is missing"),
        (deck_csv("44,UK,GB,fixed,0.02,0.00,44", header="prefix,destination,country,number_type,price_per_minute,"
                                                        "connection_fee,prefix"),
         "line 1: the column 'prefix' appears twice"),
        (HEADER.encode() + b"\n44,Royaume-Uni \xe9,GB,fixed,0.02,0.00,60,60\n",
         "line 2: the file is not UTF-8 text (byte 0xe9); save it as CSV UTF-8"),
        (deck_csv('44,"UK,GB,fixed,0.02,0.00,60,60'), "line 2: not valid CSV"),
    ],
)
def test_a_file_that_is_not_a_rate_table_is_refused_with_its_reason(content, problem):
    assert problems_of(content)[0].startswith(problem)


def test_excel_byte_order_mark_quotes_and_blank_lines_are_accepted():
    content = b"\xef\xbb\xbf" + deck_csv('44,"United Kingdom, Fixed",GB,fixed,0.0240,0.00,60,60', "", " , , ")

    assert parse_deck(content)[0].destination == "United Kingdom, Fixed"


def test_a_long_list_of_problems_is_cut_for_people_but_kept_whole():
    content = deck_csv(*[f"44{n:03d},UK,GB,fixed,x,0.00,60,60" for n in range(SHOWN_PROBLEMS + 7)])

    with pytest.raises(DeckFileInvalid) as caught:
        parse_deck(content)

    assert len(caught.value.problems) == SHOWN_PROBLEMS + 7
    assert caught.value.messages[-1] == "… and 7 more problems."
    assert len(caught.value.messages) == SHOWN_PROBLEMS + 1
    assert caught.value.summary == f"The rate file has {SHOWN_PROBLEMS + 7} problems; nothing was imported."


def test_the_hash_is_blind_to_order_spacing_and_trailing_zeros_but_not_to_rates():
    a = parse_deck(deck_csv("44,UK,GB,fixed,0.0240,0.00,60,60", "447,UK mobile,GB,mobile,0.05,0,60,60"))
    b = parse_deck(deck_csv("447, UK mobile ,GB,mobile,0.0500,0.00,60,60", "44,UK,GB,fixed,0.024,0.00,60,60"))
    c = parse_deck(deck_csv("44,UK,GB,fixed,0.0241,0.00,60,60", "447,UK mobile,GB,mobile,0.05,0,60,60"))

    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(c)


def test_written_files_read_back_to_the_same_rows():
    rows = parse_deck(deck_csv("447,UK mobile,GB,mobile,0.05,0.1,30,6", '44,"UK, ""fixed""",GB,fixed,0.024,0.00,60,60'))
    out = io.StringIO()

    write_deck(rows, out)

    assert out.getvalue().splitlines()[1:] == ['44,"UK, ""fixed""",GB,fixed,0.0240,0.00,60,60',
                                               "447,UK mobile,GB,mobile,0.0500,0.10,30,6"]
    assert parse_deck(out.getvalue()) == sorted(rows)
