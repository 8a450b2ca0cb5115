"""Benchmark rating end to end: rate_for (parse + generation check + lookup), a warm RateBook, charge_for, and imports."""
import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run as a plain script from the repo root, on a private in-memory database so no real data is touched.
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["DATABASE_URL"] = "sqlite:///:memory:"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from billing.rating.charging import charge_for  # noqa: E402
from billing.rating.deckfile import parse_deck  # noqa: E402
from billing.rating.lookup import RateCache, rate_cache  # noqa: E402
from billing.rating.numbers import parse_number  # noqa: E402
from billing.rating.selectors import rate_book, rate_for, today_utc  # noqa: E402
from billing.rating.services import rate_deck_import  # noqa: E402

DEFAULT_DECK = REPO_ROOT / "billing" / "rating" / "data" / "default_rates.csv"
SEED = 20260601
GOALS = {"rate_for": 5_000, "book": 300_000, "charge_for": 50_000}
IMPORT_GOAL_SECONDS = 15.0
# Numbers people dial: valid in their country, spread over the deck's destinations.
SAMPLE_NUMBERS = ["+442079460000", "+447400123456", "+448001111111", "+4930123456", "+4915112345678",
                  "+33142685300", "+12125550100", "+18005550100", "+14165550100", "+6581234567",
                  "+61291234567", "+819012345678", "+5511912345678", "+27211234567", "+919812345678"]


def rate(count, seconds):
    return count / seconds


def timed(fn, rounds):
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        count = fn()
        rates.append(rate(count, time.perf_counter() - start))
    return statistics.median(rates)


def synthetic_deck(size, rng):
    lines = [DEFAULT_DECK.read_text().splitlines()[0]]
    prefixes = set()
    while len(prefixes) < size:
        prefixes.add("44" + "".join(rng.choices("0123456789", k=rng.randint(2, 7))))
    for prefix in sorted(prefixes):
        lines.append(f"{prefix},United Kingdom - {prefix},GB,fixed,0.{rng.randint(100, 9999):04d},0.00,60,60")
    return ("\n".join(lines) + "\n").encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-deck", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(SEED)

    call_command("migrate", verbosity=0)
    at = datetime.datetime.now(datetime.UTC)
    numbers = [rng.choice(SAMPLE_NUMBERS) for _ in range(args.calls)]
    parsed = [parse_number(n) for n in SAMPLE_NUMBERS]
    digits = [rng.choice(parsed).digits for _ in range(args.calls * 10)]
    rate_for(tenant=None, number=numbers[0], at=at)  # warm the default deck's table

    def full_path():
        for number in numbers:
            rate_for(tenant=None, number=number, at=at)
        return len(numbers)

    def warm_book():
        book = rate_book()
        for d in digits:
            book.rate_for(tenant=None, digits=d, at=at)
        return len(digits)

    match = rate_for(tenant=None, number="+447400123456", at=at)
    durations = [rng.randint(0, 3600) for _ in range(args.calls * 5)]

    def charging():
        for seconds in durations:
            charge_for(rate=match, duration_seconds=seconds)
        return len(durations)

    figures = {"rate_for": timed(full_path, args.rounds), "book": timed(warm_book, args.rounds),
               "charge_for": timed(charging, args.rounds)}

    content = synthetic_deck(args.big_deck, rng)
    start = time.perf_counter()
    rows = parse_deck(content)
    parse_seconds = time.perf_counter() - start
    start = time.perf_counter()
    version = rate_deck_import(content=content, effective_from=today_utc(), name="Benchmark deck")
    import_seconds = time.perf_counter() - start
    other_process = RateCache()
    start = time.perf_counter()
    book = other_process.book()
    book.table(book.version_in_effect(None, today_utc()))
    reload_seconds = time.perf_counter() - start
    rate_cache.clear()

    print(f"rate_for (parse + generation query + lookup, SQLite in memory): {figures['rate_for']:,.0f} calls/s "
          f"(goal >= {GOALS['rate_for']:,}/s)")
    print(f"RateBook.rate_for (warm, no query): {figures['book']:,.0f} lookups/s (goal >= {GOALS['book']:,}/s)")
    print(f"charge_for: {figures['charge_for']:,.0f} charges/s (goal >= {GOALS['charge_for']:,}/s)")
    print(f"import of {version.row_count:,} rates: parse {parse_seconds:.2f} s, whole import {import_seconds:.2f} s "
          f"(goal <= {IMPORT_GOAL_SECONDS:.0f} s); another process's reload and table build {reload_seconds:.2f} s")
    ok = all(figures[name] >= goal for name, goal in GOALS.items()) and import_seconds <= IMPORT_GOAL_SECONDS
    return 0 if ok and len(rows) == args.big_deck else 1


if __name__ == "__main__":
    sys.exit(main())
