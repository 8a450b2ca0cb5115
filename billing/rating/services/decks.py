"""Writes of Rating and charging: importing a rate deck version (page, Django admin and `import_rates` share it)."""
import datetime
import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import actor_label, audit_record

from ..deckfile import content_hash, parse_deck
from ..lock_objects import deck_generation_for_update
from ..lookup import rate_cache
from ..models import Rate, RateDeckVersion
from ..selectors import today_utc

if TYPE_CHECKING:
    from accounts.models import Tenant

MAX_NAME_LENGTH: int = RateDeckVersion._meta.get_field("name").max_length  # type: ignore[assignment]
COMMAND_LINE_ACTOR = "Operator (command line)"


def rate_deck_import(*, content: bytes | str, effective_from: datetime.date, tenant: "Tenant | None" = None, name: str = "",
                     source_file_name: str = "", actor: object = None) -> RateDeckVersion:
    """Validates the whole rate file, then creates one deck version in force from `effective_from`, or nothing.

    `tenant` None imports the operator's global deck; a tenant imports its own deck, which overrides the
    global one row by row. Raises DeckFileInvalid (every problem, each naming line and column) or
    ValidationError (effective date, name, or the same rates already imported for that date).
    """
    rows = parse_deck(content)
    today = today_utc()
    if not isinstance(effective_from, datetime.date) or isinstance(effective_from, datetime.datetime):
        raise ValidationError({"effective_from": f"{effective_from!r} is not a date; give one as YYYY-MM-DD."})
    if effective_from < today:
        raise ValidationError({"effective_from": (
            f"{effective_from:%Y-%m-%d} is in the past. A new deck takes effect today ({today:%Y-%m-%d}) or later, "
            "so calls already charged keep their charges.")})
    source_file_name = (source_file_name or "")[-255:]
    name = (name or "").strip() or _default_name(source_file_name, effective_from)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": f"The name is longer than {MAX_NAME_LENGTH} characters."})
    digest = content_hash(rows)

    with transaction.atomic(durable=True):
        generation = deck_generation_for_update()
        duplicate = RateDeckVersion.objects.filter(tenant=tenant, effective_from=effective_from,
                                                   content_hash=digest).first()
        if duplicate is not None:
            raise ValidationError({"file": (
                f"These rates are already imported as '{duplicate.name}', effective {effective_from:%Y-%m-%d} "
                f"(imported {duplicate.imported_at:%Y-%m-%d %H:%M} UTC by {duplicate.imported_by_label}). "
                "Nothing was imported.")})
        version = RateDeckVersion.objects.create(
            tenant=tenant, name=name, effective_from=effective_from, source_file_name=source_file_name,
            row_count=len(rows), content_hash=digest,
            imported_by=_user_of(actor),
            imported_by_label=actor_label(actor) if actor is not None else COMMAND_LINE_ACTOR,
        )
        Rate.objects.bulk_create(
            [Rate(deck_version=version, prefix=r.prefix, destination=r.destination, country=r.country,
                  number_type=r.number_type, price_per_minute=r.price_per_minute, connection_fee=r.connection_fee,
                  first_increment=r.first_increment, increment=r.increment) for r in rows],
            batch_size=2000,
        )
        generation.token = uuid.uuid4()
        generation.changed_at = timezone.now()
        generation.save(update_fields=["token", "changed_at"])
        if tenant is not None:
            audit_record(tenant=tenant, actor=actor, action="rates.import", target=version,
                         after={"name": name, "effective_from": effective_from.isoformat(), "rates": len(rows),
                                "source_file_name": source_file_name})
        # This process rebuilds at once; the others see the new token on their next lookup.
        transaction.on_commit(lambda: rate_cache.warm(version.pk))
    return version


def _user_of(actor: object) -> User | None:
    user = getattr(actor, "audit_user", actor)  # an API token acts for the admin who created it
    return user if isinstance(user, User) else None


def _default_name(source_file_name: str, effective_from: datetime.date) -> str:
    stem = source_file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0].strip()
    return (stem or "Rates")[: MAX_NAME_LENGTH - 16] + f" {effective_from:%Y-%m-%d}"
