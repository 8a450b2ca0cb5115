"""Rate lookup held in memory: one PrefixTable per deck version, reloaded when any process imports a deck.

Every import changes the token of the one `RateDeckGeneration` row in the same transaction. A `RateCache`
reads that token (one primary-key query) and, while it is unchanged, answers from the `RateBook` it built
before; when it changed, it reloads the list of versions and keeps the tables of the versions it already had.
Callers that rate many calls at once take one `RateBook` and ask it directly: no query at all per call.

Which rates apply: the version of a deck in effect on a day is the one with the latest `effective_from` on or
before that day (00:00 UTC), the latest import winning between versions of the same date. A tenant with a
deck of its own is rated by the longest prefix across its version and the global one, its own row winning
when both have the same prefix: its deck overrides the operator's row by row.
"""
import bisect
import datetime
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection
from django.utils import timezone
from djmoney.money import Money

from .models import Rate, RateDeckGeneration, RateDeckVersion
from .prefixes import PrefixTable

if TYPE_CHECKING:
    from accounts.models import Tenant

_TOKEN_SQL = f"SELECT token FROM {RateDeckGeneration._meta.db_table} WHERE id = %s"  # noqa: S608 (no user input)


@dataclass(frozen=True, slots=True)
class DeckVersionRef:
    """The deck version a rate came from, detached from the ORM so every thread of the process can share it."""

    id: int
    tenant_id: UUID | None
    name: str
    effective_from: datetime.date
    imported_at: datetime.datetime
    content_hash: str

    @property
    def scope_label(self) -> str:
        return "Operator" if self.tenant_id is None else "Your organization"


@dataclass(frozen=True, slots=True)
class RateMatch:
    """The rate row that applies to a number, and the deck version it belongs to."""

    rate_id: int
    prefix: str
    destination: str
    country: str
    number_type: str
    price_per_minute: Money
    connection_fee: Money
    first_increment: int
    increment: int
    deck_version: DeckVersionRef

    @property
    def currency(self) -> str:
        return str(self.price_per_minute.currency)

    @property
    def effective_from(self) -> datetime.date:
        return self.deck_version.effective_from


def rating_day(at: datetime.datetime) -> datetime.date:
    """The UTC day whose deck versions rate a call starting at `at` (an aware datetime)."""
    if not isinstance(at, datetime.datetime) or timezone.is_naive(at):
        raise ValueError(f"the start of a call must be a timezone-aware datetime, not {at!r}")
    return at.astimezone(datetime.UTC).date()


class RateBook:
    """Every deck version as of one generation; builds each version's PrefixTable on first use."""

    def __init__(self, generation: object, versions: Iterable[DeckVersionRef],
                 inherited_tables: dict[DeckVersionRef, PrefixTable] | None = None) -> None:
        self.generation = generation
        # tenant id (None: global) -> versions sorted by (effective_from, id)
        self._timelines: dict[UUID | None, list[DeckVersionRef]] = {}
        for version in sorted(versions, key=lambda v: (v.effective_from, v.id)):
            self._timelines.setdefault(version.tenant_id, []).append(version)
        self._starts = {owner: [v.effective_from for v in line] for owner, line in self._timelines.items()}
        inherited_tables = inherited_tables or {}
        # A version's rows never change, so a table built for the same version (same id, content and import
        # time: ids can be reused after a rolled-back import) is still right.
        self._tables = {v: inherited_tables[v] for v in versions if v in inherited_tables}
        self._build_lock = threading.Lock()

    @property
    def tables(self) -> dict[DeckVersionRef, PrefixTable]:
        return dict(self._tables)

    def versions(self, tenant_id: UUID | None = None) -> list[DeckVersionRef]:
        """The versions of one deck (global when `tenant_id` is None), oldest first."""
        return list(self._timelines.get(tenant_id, ()))

    def all_versions(self) -> list[DeckVersionRef]:
        return [version for line in self._timelines.values() for version in line]

    def version_in_effect(self, tenant_id: UUID | None, day: datetime.date) -> DeckVersionRef | None:
        starts = self._starts.get(tenant_id)
        if not starts:
            return None
        index = bisect.bisect_right(starts, day)
        return self._timelines[tenant_id][index - 1] if index else None

    def table(self, version: DeckVersionRef) -> PrefixTable:
        table = self._tables.get(version)
        if table is None:
            with self._build_lock:
                table = self._tables.get(version)
                if table is None:
                    table = self._tables[version] = _build_table(version)
        return table

    def rate_for(self, *, tenant: "Tenant | None", digits: str, at: datetime.datetime) -> RateMatch | None:
        """The RateMatch for E.164 `digits` (no '+') in `tenant`'s decks at `at`, or None when no row matches."""
        return self.rates_on(tenant=tenant, day=rating_day(at)).lookup(digits)

    def rates_on(self, *, tenant: "Tenant | None", day: datetime.date) -> "DayRates":
        """The DayRates of `tenant` on the UTC `day`: a caller rating many calls of one day looks its versions up once."""
        tenant_id = getattr(tenant, "pk", None)
        global_version = self.version_in_effect(None, day)
        own_version = self.version_in_effect(tenant_id, day) if tenant_id is not None else None
        return DayRates(self.table(global_version) if global_version is not None else None,
                        self.table(own_version) if own_version is not None else None)


class DayRates:
    """The rate tables in effect for one tenant on one day: the global deck's and the tenant's own, if any."""

    __slots__ = ("_global", "_own")

    def __init__(self, global_table: PrefixTable | None, own_table: PrefixTable | None) -> None:
        self._global = global_table
        self._own = own_table

    def lookup(self, digits: str) -> RateMatch | None:
        """The RateMatch of the longest prefix of `digits`, the tenant's own row winning a tie; or None."""
        best: RateMatch | None = self._global.lookup(digits) if self._global is not None else None
        if self._own is not None:
            own = self._own.lookup(digits)
            if own is not None and (best is None or len(own.prefix) >= len(best.prefix)):
                best = own
        return best


def _build_table(version: DeckVersionRef) -> PrefixTable:
    rows = Rate.objects.filter(deck_version_id=version.id).values_list(
        "id", "prefix", "destination", "country", "number_type", "price_per_minute", "price_per_minute_currency",
        "connection_fee", "connection_fee_currency", "first_increment", "increment",
    )
    return PrefixTable(
        (prefix, RateMatch(rate_id, prefix, destination, country, number_type, Money(price, price_currency),
                           Money(fee, fee_currency), first_increment, increment, version))
        for (rate_id, prefix, destination, country, number_type, price, price_currency, fee, fee_currency,
             first_increment, increment) in rows.iterator(chunk_size=5000)
    )


def _generation_token() -> str | None:
    # Plain SQL: this runs before every lookup, and the ORM's queryset machinery costs ten times the query.
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [RateDeckGeneration.SINGLETON_ID])
        row = cursor.fetchone()
    return str(row[0]) if row else None  # as text: the call API reads it with CAST(token AS text)


class RateCache:
    """A process's RateBook, checked against the generation row before each use."""

    def __init__(self) -> None:
        self._book: RateBook | None = None

    def book(self, *, generation: str | None = None) -> RateBook:
        """The rate book as of the generation token `generation` (read by the caller in this request, as text),
        or as of the token read now."""
        # The token is read before the versions: a version committed in between is then either in the
        # list already or announced by a token this cache has not seen, never missed.
        if generation is None:
            generation = _generation_token()
        book = self._book
        if book is None or book.generation != generation:
            versions = [DeckVersionRef(**values) for values in RateDeckVersion.objects.values(
                "id", "tenant_id", "name", "effective_from", "imported_at", "content_hash")]
            book = RateBook(generation, versions, book.tables if book is not None else None)
            self._book = book
        return book

    def warm(self, version_id: int) -> None:
        """Reloads after an import and builds the new version's table, so the next call here pays nothing."""
        book = self.book()
        for version in book.all_versions():
            if version.id == version_id:
                book.table(version)

    def clear(self) -> None:
        self._book = None


rate_cache = RateCache()
