"""Rate decks as CSV: the one format read by imports (page, command, shipped deck) and written by exports."""
import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import phonenumbers
from django.core.exceptions import ValidationError
from django_countries import countries

from .numbers import NumberType

COLUMNS = ("prefix", "destination", "country", "number_type", "price_per_minute", "connection_fee",
           "first_increment", "increment")
# A file may leave the increments out (whole column or a blank cell): per minute, rounded up (PRODUCT.md, "Rates").
OPTIONAL_COLUMNS = {"first_increment": 60, "increment": 60}
RATE_NUMBER_TYPES = tuple(t.value for t in NumberType if t != NumberType.UNKNOWN)

MAX_PREFIX_DIGITS = 15  # the longest E.164 number
MAX_DESTINATION_LENGTH = 100
MAX_INCREMENT_SECONDS = 3600
MAX_ROWS = 200_000
# Prices per minute carry up to four decimals; a connection fee is a charge, so whole cents (PRODUCT.md).
PRICE_DECIMALS = 4
FEE_DECIMALS = 2
MAX_PRICE = Decimal("999.9999")
MAX_FEE = Decimal("999.99")
# Beyond this many, a person fixes the file before reading more; the count of the rest is still given.
SHOWN_PROBLEMS = 50

_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_WHOLE = re.compile(r"[0-9]+")


class DeckRow(NamedTuple):
    prefix: str
    destination: str
    country: str
    number_type: str
    price_per_minute: Decimal
    connection_fee: Decimal
    first_increment: int
    increment: int


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def __str__(self):
        where = f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


class DeckFileInvalid(ValidationError):
    """Every problem of a rate file, each naming its line and column; nothing of the file was applied."""

    def __init__(self, problems):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:SHOWN_PROBLEMS]]
        hidden = len(self.problems) - len(shown)
        if hidden:
            shown.append(f"… and {hidden} more problem{'s' if hidden != 1 else ''}.")
        super().__init__(shown, code="invalid_rate_file")

    @property
    def summary(self):
        count = len(self.problems)
        return f"The rate file has {count} problem{'s' if count != 1 else ''}; nothing was imported."


def parse_deck(content: bytes | str) -> list[DeckRow]:
    """Reads a whole rate file (bytes or str) and returns its DeckRows, or raises DeckFileInvalid with every problem."""
    problems: list = []
    text = _decode(content, problems)
    if problems:
        raise DeckFileInvalid(problems)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise DeckFileInvalid([Problem(1, None, f"the header is not valid CSV ({exc})")]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise DeckFileInvalid([Problem(1, None, "the file is empty; the first line must name the columns: "
                                       + ",".join(COLUMNS))])
    positions = _read_header(header, problems)
    if problems:
        raise DeckFileInvalid(problems)

    rows: list = []
    first_line_of_prefix: dict = {}
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(reader.line_num, None, f"not valid CSV ({exc})"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as spreadsheets leave at the end, hold nothing to import
        if len(record) != len(header):
            problems.append(Problem(line, None, f"expected {len(header)} values, found {len(record)}"))
            continue
        row = _read_row(line, record, positions, problems)
        if row is None:
            continue
        earlier = first_line_of_prefix.setdefault(row.prefix, line)
        if earlier != line:
            problems.append(Problem(line, "prefix", f"'{row.prefix}' repeats the prefix of line {earlier}"))
            continue
        rows.append(row)
        if len(rows) > MAX_ROWS:
            problems.append(Problem(line, None, f"a rate file holds at most {MAX_ROWS:,} rates"))
            break
    if not rows and not problems:
        problems.append(Problem(line, None, "the file names the columns but holds no rates"))
    if problems:
        raise DeckFileInvalid(problems)
    return rows


def content_hash(rows: Iterable[DeckRow]) -> str:
    """A digest of the rates themselves, blind to row order, spacing and trailing zeros: two files of the same
    rates hash alike, so the same deck cannot be imported twice for one date."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.prefix):
        digest.update(("\x1f".join(_cells(row)) + "\n").encode())
    return digest.hexdigest()


def write_deck(rows, stream):
    """Writes DeckRows as CSV, the columns and formats `parse_deck` reads, sorted by prefix."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda r: r.prefix):
        writer.writerow(_cells(row))


def _cells(row):
    return (row.prefix, row.destination, row.country, row.number_type,
            f"{row.price_per_minute:.{PRICE_DECIMALS}f}", f"{row.connection_fee:.{FEE_DECIMALS}f}",
            str(row.first_increment), str(row.increment))


def _decode(content, problems):
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    try:
        # utf-8-sig drops the byte-order mark Excel writes at the start of "CSV UTF-8" files.
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        problems.append(Problem(line, None, f"the file is not UTF-8 text (byte 0x{content[exc.start]:02x}); "
                                            "save it as CSV UTF-8"))
        return ""


def _read_header(header, problems):
    names = [cell.strip().lower() for cell in header]
    positions = {}
    for index, name in enumerate(names):
        if name not in COLUMNS:
            hint = "; columns must be separated by commas" if ";" in name or "\t" in name else ""
            problems.append(Problem(1, None, f"'{header[index].strip()}' is not a column of a rate file{hint} "
                                             f"(columns: {', '.join(COLUMNS)})"))
        elif name in positions:
            problems.append(Problem(1, None, f"the column '{name}' appears twice"))
        else:
            positions[name] = index
    for name in COLUMNS:
        if name not in positions and name not in OPTIONAL_COLUMNS:
            problems.append(Problem(1, None, f"the column '{name}' is missing"))
    return positions


def _read_row(line, record, positions, problems):
    before = len(problems)

    def cell(name):
        index = positions.get(name)
        return "" if index is None else record[index].strip()

    def problem(column, message):
        problems.append(Problem(line, column, message))

    prefix = cell("prefix")
    if not (prefix.isascii() and prefix.isdigit()):
        problem("prefix", f"'{prefix}' is not a prefix: use the digits 0-9 of E.164 without '+', for example 4420")
    elif len(prefix) > MAX_PREFIX_DIGITS:
        problem("prefix", f"'{prefix}' is longer than {MAX_PREFIX_DIGITS} digits")

    destination = cell("destination")
    if not destination:
        problem("destination", "enter the name of the destination, for example 'United Kingdom - Mobile'")
    elif len(destination) > MAX_DESTINATION_LENGTH:
        problem("destination", f"is longer than {MAX_DESTINATION_LENGTH} characters")

    country = cell("country").upper()
    calling_code = phonenumbers.country_code_for_region(country) if country in countries else 0
    if not calling_code:
        problem("country", f"'{cell('country')}' is not an ISO 3166 two-letter country code (for example GB, US, DE)")
    elif prefix.isascii() and prefix.isdigit() and not prefix.startswith(str(calling_code)):
        problem("prefix", f"'{prefix}' does not start with +{calling_code}, the calling code of {country}")

    number_type = cell("number_type").lower().replace(" ", "-").replace("_", "-")
    if number_type not in RATE_NUMBER_TYPES:
        problem("number_type", f"'{cell('number_type')}' is not a number type ({', '.join(RATE_NUMBER_TYPES)})")

    price = _amount(cell("price_per_minute"), "price_per_minute", PRICE_DECIMALS, MAX_PRICE, problem)
    fee = _amount(cell("connection_fee"), "connection_fee", FEE_DECIMALS, MAX_FEE, problem)
    first_increment = _seconds(cell("first_increment"), "first_increment", problem)
    increment = _seconds(cell("increment"), "increment", problem)
    if len(problems) != before:
        return None
    return DeckRow(prefix, destination, country, number_type, price, fee, first_increment, increment)


def _amount(text, column, decimals, maximum, problem):
    if not _AMOUNT.fullmatch(text):
        if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
            problem(column, f"'{text}' is negative; amounts are 0 or more")
        elif not text:
            problem(column, "enter an amount in US dollars, for example 0.0240")
        else:
            problem(column, f"'{text}' is not a decimal amount (write it like 0.0240, with a point and no currency sign)")
        return None
    amount = Decimal(text)
    # Trailing zeros are harmless ("0.0500" is five cents); digits beyond the allowed places are not.
    if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
        problem(column, f"'{text}' has more than {decimals} decimal places")
        return None
    if amount > maximum:
        problem(column, f"'{text}' is more than {maximum}")
        return None
    return amount


def _seconds(text, column, problem):
    if not text:
        return OPTIONAL_COLUMNS[column]
    if not _WHOLE.fullmatch(text) or not 1 <= int(text) <= MAX_INCREMENT_SECONDS:
        problem(column, f"'{text}' is not a whole number of seconds from 1 to {MAX_INCREMENT_SECONDS}")
        return None
    return int(text)
