"""Columns of the PSTN usage report: the admin centre's page columns, the export's columns, Graph's pstnCallLogRow.

All three read call records (billing.rating.CallRecord) as plain values, never model instances, so a page,
an export of a million rows and a Graph page cost one query each and hold no objects.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Case, CharField, F, Func, Q, Value, When
from django.db.models.functions import Cast, NullIf

from billing.rating.models.calls import INBOUND_CALL_TYPES
from core.dates import datetime_text
from core.spreadsheets import safe_text, safe_text_sql


def utc_text(moment: datetime) -> str:
    """2026-03-31T14:05:09Z: the instant in UTC as the export and Graph write it."""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def duration_text(seconds: int) -> str:
    """h:mm:ss as the admin centre shows durations."""
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}"


@dataclass(frozen=True)
class PageColumn:
    label: str
    field: str
    numeric: bool = False

    def text(self, row):
        value = row[self.field]
        if value is None or value == "":
            return ""
        if self.field == "start_at":  # the site's one format on pages; exports and Graph keep ISO 8601 (utc_text)
            return datetime_text(value)
        if self.field == "duration_seconds":
            return duration_text(value)
        return str(value)


# The admin centre's columns, in its order (PRODUCT.md, "Reports").
PAGE_COLUMNS = {
    "timestamp": PageColumn("Time stamp (UTC)", "start_at"),
    "display_name": PageColumn("Display name", "user_display_name"),
    "username": PageColumn("Username", "user_principal_name"),
    "phone_number": PageColumn("Phone number", "phone_number"),
    "call_type": PageColumn("Call type", "call_type"),
    "called_to": PageColumn("Called to", "callee_number"),
    "to_country": PageColumn("To country or region", "callee_country"),
    "called_from": PageColumn("Called from", "caller_number"),
    "from_country": PageColumn("From country or region", "caller_country"),
    "charge": PageColumn("Charge", "charge", numeric=True),
    "currency": PageColumn("Currency", "currency"),
    "duration": PageColumn("Duration", "duration_seconds", numeric=True),
    "context": PageColumn("Domestic/International", "destination_context"),
    "call_id": PageColumn("Call ID", "call_id"),
    "number_type": PageColumn("Number type", "number_type"),
    "country": PageColumn("Country or region", "usage_country"),
    "conference_id": PageColumn("Conference ID", "conference_id"),
    "capability": PageColumn("Capability", "capability"),
}
DEFAULT_PAGE_COLUMNS = ("timestamp", "display_name", "username", "phone_number", "call_type", "called_to", "to_country",
                        "charge", "currency", "duration", "context", "capability")


def page_fields(columns: Iterable[str]) -> list[str]:
    """The call record fields a page with these columns reads (the keyset needs start_at and id)."""
    return sorted({"id", "start_at", *(PAGE_COLUMNS[key].field for key in columns)})


# The export (PRODUCT.md, "Export (up to one year) columns"), one header per value of export_row().
EXPORT_HEADERS = (
    "UsageId", "Call ID", "Conference ID", "User Location", "Microsoft Entra ObjectId", "UPN", "User Display Name",
    "Caller ID", "Call Type", "Call Direction", "Number Type", "Domestic/International", "Destination Dialed",
    "Destination Number", "External Country", "Start Time", "End Time", "Duration Seconds", "Connection Fee", "Charge",
    "Currency", "Capability", "Operator", "Source of Call Duration", "Administrative Units",
)
EXPORT_FIELDS = (
    "usage_id", "call_id", "conference_id", "usage_country", "user_object_id", "user_principal_name",
    "user_display_name", "caller_number", "call_type", "number_type", "destination_context", "destination_name",
    "callee_number", "callee_country", "caller_country", "start_at", "end_at", "duration_seconds",
    "connection_charge", "charge", "currency", "capability", "operator", "duration_source",
)
DURATION_SOURCE_LABELS = {"microsoft": "Microsoft", "operator": "Operator"}
# The directory has no administrative units; the column is kept (empty) so that files match the admin centre's.
NO_ADMINISTRATIVE_UNITS = ""


def export_row(values, *, text):
    """One export row from a tuple of EXPORT_FIELDS. `text` True gives strings (CSV); False keeps numbers and
    datetimes (XLSX cells, UTC without a zone since Excel has none)."""
    (usage_id, call_id, conference_id, usage_country, object_id, upn, display_name, caller, call_type, number_type,
     context, destination_name, callee, callee_country, caller_country, start_at, end_at, seconds, connection_fee,
     charge, currency, capability, operator, duration_source) = values
    inbound = call_type in INBOUND_CALL_TYPES
    if text:
        start, end = utc_text(start_at), utc_text(end_at)
        seconds, connection_fee, charge = str(seconds), str(connection_fee), str(charge)
        # Text people or callers chose can start like a formula (a display name "=HYPERLINK(...)"); the XLSX
        # writer neutralises every text cell itself.
        call_id, conference_id, upn, display_name, caller, context, destination_name, callee, operator = map(
            safe_text, (call_id, conference_id, upn, display_name, caller, context, destination_name, callee, operator))
    else:
        start, end = start_at.astimezone(UTC).replace(tzinfo=None), end_at.astimezone(UTC).replace(tzinfo=None)
    return (
        str(usage_id), call_id, conference_id, usage_country, str(object_id) if object_id else "", upn, display_name,
        caller, call_type, "Inbound" if inbound else "Outbound", number_type, context, destination_name, callee,
        caller_country if inbound else callee_country, start, end, seconds, connection_fee, charge, currency,
        capability, operator, DURATION_SOURCE_LABELS.get(duration_source, duration_source), NO_ADMINISTRATIVE_UNITS,
    )


def _utc_sql(field):
    return Func(F(field), template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                output_field=CharField())


def export_sql_columns() -> dict[str, NullIf]:
    """The export's columns as PostgreSQL text expressions, equal to export_row(..., text=True) value for value, for
    COPY ... TO STDOUT. An empty value is NULL so that COPY writes it unquoted, as Python's csv module does."""
    inbound = Q(call_type__in=sorted(INBOUND_CALL_TYPES))
    text = {name: Cast(name, CharField()) for name in ("usage_id", "user_object_id", "duration_seconds",
                                                       "connection_charge", "charge")}
    safe = safe_text_sql
    expressions = [
        text["usage_id"], safe("call_id"), safe("conference_id"), F("usage_country"), text["user_object_id"],
        safe("user_principal_name"), safe("user_display_name"), safe("caller_number"), F("call_type"),
        Case(When(inbound, then=Value("Inbound")), default=Value("Outbound")), F("number_type"),
        safe("destination_context"), safe("destination_name"), safe("callee_number"),
        Case(When(inbound, then=F("caller_country")), default=F("callee_country")), _utc_sql("start_at"),
        _utc_sql("end_at"), text["duration_seconds"], text["connection_charge"], text["charge"], F("currency"),
        F("capability"), safe("operator"),
        Case(*(When(duration_source=value, then=Value(label)) for value, label in DURATION_SOURCE_LABELS.items()),
             default=F("duration_source")),
        Value(NO_ADMINISTRATIVE_UNITS),
    ]
    return {f"c{i:02d}": NullIf(expression, Value(""), output_field=CharField())
            for i, expression in enumerate(expressions)}


# Graph's pstnCallLogRow (PRODUCT.md, "Microsoft Graph shapes"), from a tuple of GRAPH_FIELDS.
GRAPH_FIELDS = (
    "id", "usage_id", "call_id", "user_object_id", "user_principal_name", "user_display_name", "start_at", "end_at",
    "duration_seconds", "charge", "connection_charge", "currency", "call_type", "callee_number", "caller_number",
    "destination_context", "destination_name", "conference_id", "capability", "number_type", "usage_country",
    "tenant_country", "operator", "duration_source",
)
GRAPH_INVENTORY_TYPES = {"user": "Subscriber", "conferencing": "Service", "toll_free": "Toll-free"}


def graph_row(values):
    (_, usage_id, call_id, object_id, upn, display_name, start_at, end_at, seconds, charge, connection_charge,
     currency, call_type, callee, caller, context, destination_name, conference_id, capability, number_type,
     usage_country, tenant_country, operator, duration_source) = values
    return {
        "id": str(usage_id),
        "callId": call_id,
        "userId": str(object_id) if object_id else None,
        "userPrincipalName": upn or None,
        "userDisplayName": display_name or None,
        "startDateTime": utc_text(start_at),
        "endDateTime": utc_text(end_at),
        "duration": seconds,
        "charge": charge,
        "connectionCharge": connection_charge,
        "currency": currency,
        "callType": call_type,
        "calleeNumber": callee,
        "callerNumber": caller,
        "destinationContext": context,
        "destinationName": destination_name or None,
        "conferenceId": conference_id or None,
        "licenseCapability": capability,
        "inventoryType": GRAPH_INVENTORY_TYPES.get(number_type, number_type) or None,
        "usageCountryCode": usage_country or None,
        "tenantCountryCode": tenant_country or None,
        "operator": operator,
        "callDurationSource": duration_source,
    }
