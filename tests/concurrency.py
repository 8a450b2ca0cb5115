"""race(): the one way concurrency tests release several threads at once against the real database."""
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection


@dataclass
class Race:
    results: list[Any]  # work(i)'s return value at index i (None where it raised)
    errors: list[BaseException] = field(default_factory=list)  # what the threads raised, in the order they raised it

    def __iter__(self) -> Iterator[Any]:  # results, errors = race(...)
        return iter((self.results, self.errors))

    def raised(self, *kinds: type[BaseException]) -> list[BaseException]:
        """The errors of these kinds; any other error fails the test (a thread must never fail unnoticed)."""
        unexpected = [error for error in self.errors if not isinstance(error, kinds)]
        assert not unexpected, f"unexpected errors in the race: {unexpected!r}"
        return list(self.errors)


def race(count: int, work: Callable[[int], Any], *, timeout: float = 300) -> Race:
    """Runs work(0) … work(count - 1) in `count` threads released together by a barrier.

    Each thread closes its own database connection when done. A thread still running after `timeout` seconds
    fails the test. Errors are collected, never lost: assert on `.errors` or `.raised(...)`.
    """
    barrier = threading.Barrier(count)
    outcome = Race(results=[None] * count)
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcome.results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 (collected for the test to assert on)
            with lock:
                outcome.errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        pytest.fail(f"{sum(t.is_alive() for t in threads)} of {count} racing threads still ran after {timeout} s")
    return outcome
