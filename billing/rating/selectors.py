"""Reads of Rating and charging shared by pages, the API, commands, Home and call authorization."""
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .deckfile import DeckRow
from .lookup import RateBook, RateMatch, rate_cache, rating_day
from .models import BlockedCall, CallRecord, MinutePool, Rate, RateDeckVersion
from .numbers import PhoneNumber, parse_number

if TYPE_CHECKING:
    from accounts.models import Tenant

_ROW_FIELDS = ("prefix", "destination", "country", "number_type", "price_per_minute", "connection_fee",
               "first_increment", "increment")


def rate_for(*, tenant: "Tenant | None", number: PhoneNumber | str, at: datetime.datetime) -> RateMatch | None:
    """The RateMatch that prices a call from `tenant` to `number` starting at `at`, or None when no row matches.

    `number` is a PhoneNumber or a string parse_number reads (raising InvalidNumber naming it); `at` is an
    aware datetime; `tenant` None looks at the global deck only. Costs one primary-key query (the generation
    check); use `rate_book()` to rate many calls with none.
    """
    parsed = number if isinstance(number, PhoneNumber) else parse_number(number)
    return rate_cache.book().rate_for(tenant=tenant, digits=parsed.digits, at=at)


def rate_book() -> RateBook:
    """The process's current RateBook: `rate_book().rate_for(tenant=, digits=, at=)` runs no query once warm."""
    return rate_cache.book()


def deck_versions_visible_to(tenant: "Tenant | None") -> QuerySet[RateDeckVersion]:
    """The global deck's versions and `tenant`'s own: everything its admins may see or export."""
    return RateDeckVersion.objects.filter(Q(tenant__isnull=True) | Q(tenant=tenant))


@dataclass(frozen=True)
class VersionLine:
    version: RateDeckVersion
    status: str  # "in_effect", "scheduled", "replaced" (a later import for the same date), "superseded"

    @property
    def status_label(self) -> str:
        return {"in_effect": "In effect", "scheduled": "Scheduled", "replaced": "Replaced",
                "superseded": "Superseded"}[self.status]


def deck_versions_for_page(*, tenant: "Tenant | None", today: datetime.date, include_past: bool = False) -> list[VersionLine]:
    """The versions of the global deck and `tenant`'s deck with their status on `today`, in one query.

    Without `include_past`, only the versions in effect and those scheduled to take effect.
    """
    by_owner: dict[Any, list[RateDeckVersion]] = {}
    for version in deck_versions_visible_to(tenant).order_by("effective_from", "id"):
        by_owner.setdefault(version.tenant_id, []).append(version)
    lines = []
    for versions in by_owner.values():
        started = [v for v in versions if v.effective_from <= today]
        current = started[-1] if started else None
        for index, version in enumerate(versions):
            later_same_day = index + 1 < len(versions) and versions[index + 1].effective_from == version.effective_from
            if version is current:
                status = "in_effect"
            elif version.effective_from > today:
                status = "replaced" if later_same_day else "scheduled"
            else:
                status = "superseded"
            if include_past or status in ("in_effect", "scheduled"):
                lines.append(VersionLine(version, status))
    # Own deck before the operator's, then the newest first, as people read what applies to them first.
    lines.sort(key=lambda line: (line.version.tenant_id is None, -line.version.effective_from.toordinal(),
                                 -line.version.id))
    return lines


def deck_version_rows(*, version: RateDeckVersion) -> list[DeckRow]:
    """The rows of one deck version as DeckRows, sorted by prefix, for export."""
    return [_deck_row(values) for values in Rate.objects.filter(deck_version=version).order_by("prefix")
            .values_list(*_ROW_FIELDS)]


def deck_rows_in_effect(*, tenant: "Tenant | None", at: datetime.datetime | None = None) -> list[DeckRow]:
    """What rates `tenant`'s calls at `at` (default now): the global version's rows with the tenant's own rows
    replacing those of the same prefix. Imported as the tenant's deck, this file rates every number alike."""
    book = rate_cache.book()
    day = rating_day(at or timezone.now())
    versions = [book.version_in_effect(None, day)]
    if tenant is not None:
        versions.append(book.version_in_effect(tenant.pk, day))
    merged: dict[str, DeckRow] = {}
    for version in filter(None, versions):
        for values in Rate.objects.filter(deck_version_id=version.id).values_list(*_ROW_FIELDS):
            merged[values[0]] = _deck_row(values)
    return sorted(merged.values(), key=lambda row: row.prefix)


def _deck_row(values: tuple[Any, ...]) -> DeckRow:
    prefix, destination, country, number_type, price, fee, first_increment, increment = values
    return DeckRow(prefix, destination, country, number_type, price, fee, first_increment, increment)


def today_utc() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


@dataclass(frozen=True)
class CallingSummary:
    """This month's calling of a tenant at a glance (Home)."""

    month: datetime.date
    calls: int
    minutes: int
    charged: Decimal
    blocked: int
    pools_near_full: list[MinutePool]  # MinutePool rows at 80% or more of capacity, fullest first


def calling_summary(*, tenant: "Tenant", now: datetime.datetime | None = None) -> CallingSummary:
    """Calls, minutes and credits charged this calendar month (UTC), blocked attempts and pools at 80%+ (3 queries)."""
    now = now or timezone.now()
    month = now.astimezone(datetime.UTC).date().replace(day=1)
    start = datetime.datetime.combine(month, datetime.time.min, tzinfo=datetime.UTC)
    totals = CallRecord.objects.filter(tenant=tenant, start_at__gte=start).aggregate(
        calls=Count("id"), seconds=Sum("duration_seconds"), charged=Sum("charge"))
    blocked = BlockedCall.objects.filter(tenant=tenant, blocked_at__gte=start).count()
    pools = [pool for pool in MinutePool.objects.filter(tenant=tenant, month=month, capacity_minutes__gt=0)
             .select_related("user")
             if pool.used_minutes * 100 >= pool.capacity_minutes * 80]
    pools.sort(key=lambda pool: -pool.used_minutes / pool.capacity_minutes)
    return CallingSummary(month=month, calls=totals["calls"], minutes=-(-(totals["seconds"] or 0) // 60),
                          charged=Decimal(totals["charged"] or 0).quantize(Decimal("0.01")), blocked=blocked,
                          pools_near_full=pools)
