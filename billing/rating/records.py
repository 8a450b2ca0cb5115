"""What a call record says about a call's parties, and the record's values from that and how the call was paid."""
import operator
import os
import time
import typing
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from djmoney.money import Money

from .callinput import shown_number
from .charging import CallSplit
from .lookup import RateMatch
from .models import CallRecord, DestinationContext
from .models.calls import INBOUND_CALL_TYPES
from .rules import is_domestic

if TYPE_CHECKING:
    from accounts.models import Tenant

    from .parties import CallParty

DETAIL_FIELDS = ("user_principal_name", "user_display_name", "phone_number", "number_type", "callee_number",
                 "callee_country", "caller_number", "caller_country", "destination_name", "destination_number_type",
                 "destination_context", "usage_country", "tenant_country")
# Every column of CallRecord, in the order bulk imports write them.
RECORD_FIELDS = ("id", "usage_id", "tenant", "call_id", "conference_id", "source", "user", "user_object_id",
                 *DETAIL_FIELDS, "call_type", "start_at", "end_at", "duration_seconds", "billable_seconds",
                 "duration_source", "operator", "charge", "connection_charge", "currency", "capability", "pool",
                 "pool_minutes", "credit_minutes", "rate", "deck_version", "rate_prefix", "price_per_minute",
                 "created_at")
_details_in_order = operator.itemgetter(*DETAIL_FIELDS)


def usage_id():
    """A new UsageId: a UUID of version 7 (RFC 9562), whose leading 48 bits are the time in milliseconds.

    Ids made later sort later, so the unique index takes them at its end instead of all over its pages.
    """
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10))
    value = (millis << 80) | (0x7 << 76) | ((random_bits >> 68) << 64) | (0b10 << 62) | (random_bits & ((1 << 62) - 1))
    return uuid.UUID(int=value)


def call_details(*, tenant: "Tenant", party: "CallParty", rate: RateMatch | None) -> dict[str, Any]:
    """The descriptive columns of the call record (JSON-safe: kept on the authorization until completion)."""
    user, callee, caller = party.user, party.callee, party.caller
    if party.call_type in INBOUND_CALL_TYPES:
        domestic = caller is None or not caller.country or is_domestic(caller.country, party.home_country)
    else:
        domestic = not callee.country or is_domestic(callee.country, party.home_country)
    if rate is not None:
        destination_name, destination_type = rate.destination, rate.number_type
    else:
        destination_name = callee.country_name if callee.e164 else "Emergency services"
        destination_type = str(callee.number_type)
    return {
        "user_principal_name": user.upn if user else "",
        "user_display_name": user.display_name if user else "",
        "phone_number": party.tenant_number_e164,
        "number_type": party.inventory_type,
        "callee_number": shown_number(callee),
        "callee_country": callee.country,
        "caller_number": shown_number(caller) if caller else "",
        "caller_country": caller.country if caller else "",
        "destination_name": destination_name,
        "destination_number_type": destination_type,
        "destination_context": DestinationContext.DOMESTIC if domestic else DestinationContext.INTERNATIONAL,
        "usage_country": party.home_country,
        "tenant_country": tenant.country,
    }


@dataclass(frozen=True, slots=True)
class HeldRate:
    """The rate an authorization was given, kept in its details so completing needs no query for it."""

    rate_id: int
    deck_version_id: int
    prefix: str
    destination: str
    number_type: str
    price_per_minute: Money
    connection_fee: Money
    first_increment: int
    increment: int

    def as_json(self) -> dict[str, Any]:
        return {"id": self.rate_id, "deck_version": self.deck_version_id, "prefix": self.prefix,
                "destination": self.destination, "number_type": self.number_type,
                "price": str(self.price_per_minute.amount), "fee": str(self.connection_fee.amount),
                "currency": str(self.price_per_minute.currency), "first": self.first_increment,
                "increment": self.increment}

    @classmethod
    def from_json(cls, data: dict[str, typing.Any]) -> "HeldRate":
        return cls(data["id"], data["deck_version"], data["prefix"], data["destination"], data["number_type"],
                   Money(Decimal(data["price"]), data["currency"]), Money(Decimal(data["fee"]), data["currency"]),
                   data["first"], data["increment"])

    @classmethod
    def of(cls, match: RateMatch) -> "HeldRate":
        return cls(match.rate_id, match.deck_version.id, match.prefix, match.destination, match.number_type,
                   match.price_per_minute, match.connection_fee, match.first_increment, match.increment)


def rate_ids(rate: "RateMatch | HeldRate | None") -> tuple[Any, Any]:
    """(rate id, deck version id) of a RateMatch from the rate book or a HeldRate, without a query."""
    if rate is None:
        return None, None
    if isinstance(rate, RateMatch):
        return rate.rate_id, rate.deck_version.id
    return rate.rate_id, rate.deck_version_id


def record_values(**arguments: Any) -> dict[str, Any]:
    """The column values of one CallRecord (attribute names: `tenant_id`, `pool_id`, ...), keyed like RECORD_FIELDS.

    Takes the arguments of record_row().
    """
    return dict(zip(RECORD_FIELDS, record_row(**arguments), strict=True))


def record_row(*, tenant_id, call_id, call_type, user_id, details, start_at, end_at, duration_seconds, split: CallSplit,
               capability, pool_id, rate, source, created_at, conference_id="", operator="Microsoft",
               duration_source="microsoft", record_id=None):
    """The column values of one CallRecord as a tuple in RECORD_FIELDS order: what a bulk insert writes."""
    credit = split.credit
    charge = credit.charge.amount
    pool_minutes = split.pool_minutes
    if rate is not None:
        rate_id, deck_version_id = rate_ids(rate)
        fee = rate.connection_fee.amount if charge > 0 else charge * 0
        prefix, price = rate.prefix, rate.price_per_minute.amount
    else:
        rate_id = deck_version_id = price = None
        fee, prefix = charge * 0, ""
    return (
        record_id, usage_id(), tenant_id, call_id, conference_id, source, user_id, user_id, *_details_in_order(details),
        str(call_type), start_at, end_at, duration_seconds, pool_minutes * 60 + credit.billable_seconds,
        duration_source, operator, charge, fee, str(credit.charge.currency), str(capability),
        pool_id if pool_minutes else None, pool_minutes, split.credit_minutes, rate_id, deck_version_id, prefix, price,
        created_at,
    )

_ATTNAMES = {name: CallRecord._meta.get_field(name).attname  # type: ignore[union-attr]  # concrete fields
             for name in RECORD_FIELDS}


def new_record(values: dict[str, Any]) -> CallRecord:
    """An unsaved CallRecord from record_values()."""
    return CallRecord(**{_ATTNAMES[name]: value for name, value in values.items() if name != "id" or value is not None})
