"""Longest-prefix matching of dialled E.164 digits against the prefixes of a rate deck."""
from collections.abc import Iterable
from typing import Any

_MISSING = object()
# Answers kept per table: the numbers a tenant's calls dial repeat (its contacts), and a table never changes.
REMEMBERED_NUMBERS = 50_000


class PrefixTable:
    """Maps digit prefixes to values; `lookup` answers the value of the longest prefix a number starts with."""

    __slots__ = ("_answers", "_values", "lengths")

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        values: dict[str, Any] = {}
        for prefix, value in items:
            # isdigit() alone would let through non-ASCII digits such as "²" or Arabic-Indic ones;
            # it is False for "", so empty prefixes are refused here too.
            if not isinstance(prefix, str) or not (prefix.isascii() and prefix.isdigit()):
                raise ValueError(f"prefix {prefix!r} is not a non-empty string of digits 0-9")
            if prefix in values:
                raise ValueError(f"duplicate prefix {prefix!r}")
            values[prefix] = value
        self._values = values
        # Longest first, and only lengths that exist: a deck has a handful of distinct lengths,
        # so a lookup costs a few dict probes whatever the size of the deck.
        self.lengths = tuple(sorted({len(prefix) for prefix in values}, reverse=True))
        self._answers: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._values)

    def lookup(self, digits: str) -> Any:
        """Return the value of the longest prefix of `digits` (E.164 without '+'), or None."""
        answer = self._answers.get(digits, _MISSING)
        if answer is _MISSING:
            answer = self._longest(digits)
            if len(self._answers) < REMEMBERED_NUMBERS:
                self._answers[digits] = answer
        return answer

    def _longest(self, digits: str) -> Any:
        get = self._values.get
        for length in self.lengths:
            # Slicing past the end yields `digits` itself, which is still a prefix of `digits`,
            # so numbers shorter than the longest prefix need no special case.
            value = get(digits[:length], _MISSING)
            if value is not _MISSING:
                return value
        return None
