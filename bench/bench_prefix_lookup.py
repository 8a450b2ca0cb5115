"""Benchmark PrefixTable.lookup on a 50,000-prefix deck against its goal of 300,000 lookups a second."""

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run as a plain script from the repo root, so the repo is not on sys.path by itself.
sys.path.insert(0, str(REPO_ROOT))

from billing.rating.prefixes import PrefixTable  # noqa: E402

DEFAULT_DECK = REPO_ROOT / "billing" / "rating" / "data" / "default_rates.csv"
GOAL = 300_000
SEED = 20240601
# Real decks are mostly 4-8 digit prefixes; there are only 10 one-digit and 100 two-digit ones anyway.
LENGTH_WEIGHTS = {1: 1, 2: 2, 3: 5, 4: 10, 5: 20, 6: 25, 7: 20, 8: 17}


def build_deck(size, rng):
    with DEFAULT_DECK.open(newline="") as f:
        real = [row["prefix"] for row in csv.DictReader(f)]
    prefixes = set(real)
    lengths, weights = zip(*LENGTH_WEIGHTS.items(), strict=True)
    while len(prefixes) < size:
        length = rng.choices(lengths, weights)[0]
        prefixes.add("".join(rng.choices("0123456789", k=length)))
    return sorted(prefixes), real


def build_numbers(count, real_prefixes, rng):
    # Dialled numbers start with a real country or network prefix and are 10-13 digits long.
    numbers = []
    for _ in range(count):
        prefix = rng.choice(real_prefixes)
        length = rng.randint(10, 13)
        numbers.append(prefix + "".join(rng.choices("0123456789", k=length - len(prefix))))
    return numbers


def time_round(lookup, numbers):
    start = time.perf_counter()
    for digits in numbers:
        lookup(digits)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefixes", type=int, default=50_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rng = random.Random(SEED)
    prefixes, real = build_deck(args.prefixes, rng)
    table = PrefixTable((prefix, index) for index, prefix in enumerate(prefixes))
    numbers = build_numbers(args.lookups, real, rng)

    matched = sum(table.lookup(digits) is not None for digits in numbers)
    if matched != len(numbers):
        raise SystemExit(f"only {matched:,} of {len(numbers):,} numbers matched a prefix")

    rates = [len(numbers) / time_round(table.lookup, numbers) for _ in range(args.rounds)]
    median = statistics.median(rates)
    print(
        f"prefix lookup: {len(table):,} prefixes (lengths {min(table.lengths)}-{max(table.lengths)}), "
        f"{len(numbers):,} lookups x {args.rounds} rounds, median {median:,.0f} lookups/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}; goal >= {GOAL:,}/s)"
    )
    return 0 if median >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
