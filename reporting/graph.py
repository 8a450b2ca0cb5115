"""Graph v1.0 `GET /communications/callRecords/getPstnCalls(fromDateTime=…,toDateTime=…)`: the usage report for scripts.

Both bounds inclusive, at most 90 days a request, 1,000 rows a page, oldest first, each page with `@odata.count`
(its rows, as Graph's example counts them) and, when more follow, `@odata.nextLink` carrying a signed keyset
token, as Microsoft Graph pages it. Throttled per tenant like Graph's call records.
"""
import re
from datetime import UTC, date, datetime, timedelta

from django.core import signing
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.serializers import Number, answer, render
from core.throttling import TenantThrottle

from .columns import GRAPH_FIELDS, graph_row
from .selectors.usage import pstn_calls

MAX_DAYS = 90
PAGE_SIZE = 1000
SUPPORTED_OPTIONS = {"$skiptoken", "$count"}
# Start times are stored to the microsecond: "at or before toDateTime" is "before toDateTime plus one microsecond".
_INCLUSIVE = timedelta(microseconds=1)
_SKIPTOKEN_SALT = "reporting.graph.getPstnCalls.skiptoken"
# A named argument: an ISO 8601 date or date-time, optionally in single quotes.
_ARGUMENT = re.compile(r"^\s*(?P<name>[A-Za-z]+)\s*=\s*(?P<quote>'?)(?P<value>[0-9A-Za-z:+\-.]*)(?P=quote)\s*$")
_FUNCTION_SYNTAX = ("getPstnCalls(fromDateTime=…,toDateTime=…), for example "
                    "getPstnCalls(fromDateTime=2026-01-01T00:00:00Z,toDateTime=2026-01-31T00:00:00Z)")


PSTN_CALL_LOG_ROW = answer("GraphPstnCallLogRow", {
    "id": serializers.CharField(), "callId": serializers.CharField(),
    "userId": serializers.CharField(allow_null=True), "userPrincipalName": serializers.CharField(allow_null=True),
    "userDisplayName": serializers.CharField(allow_null=True), "startDateTime": serializers.DateTimeField(),
    "endDateTime": serializers.DateTimeField(), "duration": serializers.IntegerField(help_text="Seconds"),
    "charge": Number(help_text="Paid by Communications Credits, connection fee included"),
    "connectionCharge": Number(), "currency": serializers.CharField(), "callType": serializers.CharField(),
    "calleeNumber": serializers.CharField(), "callerNumber": serializers.CharField(),
    "destinationContext": serializers.CharField(), "destinationName": serializers.CharField(allow_null=True),
    "conferenceId": serializers.CharField(allow_null=True), "licenseCapability": serializers.CharField(),
    "inventoryType": serializers.CharField(allow_null=True), "usageCountryCode": serializers.CharField(allow_null=True),
    "tenantCountryCode": serializers.CharField(allow_null=True), "operator": serializers.CharField(),
    "callDurationSource": serializers.CharField(),
})
PSTN_CALLS = answer("GraphPstnCallCollection", {
    "@odata.context": serializers.URLField(), "@odata.count": serializers.IntegerField(help_text="Rows of this page"),
    "value": PSTN_CALL_LOG_ROW(many=True), "@odata.nextLink": serializers.URLField(required=False),
})


def _bad(message):
    return ApiError(message, code="BadRequest", status_code=400)


def parse_instant(raw, name):
    """An ISO 8601 date (midnight UTC) or date-time; a date-time without an offset is UTC."""
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _bad(f"Invalid value '{raw}' for parameter '{name}': an ISO 8601 date-time such as "
                   "2026-01-31T00:00:00Z is expected.") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:  # in UTC, with room for the day's arithmetic (0001-01-01T00:00:00+14:00 is before datetime.min in UTC)
        moment.astimezone(UTC) + timedelta(days=1)
        moment.astimezone(UTC) - timedelta(days=1)
    except OverflowError:
        raise _bad(f"Invalid value '{raw}' for parameter '{name}': outside the supported range of dates.") from None
    return moment


def parse_function_call(call):
    """(fromDateTime, toDateTime) from the text after getPstnCalls, e.g. "(fromDateTime=…,toDateTime=…)"."""
    if not (call.startswith("(") and call.endswith(")")):
        raise _bad(f"Malformed function call: use {_FUNCTION_SYNTAX}.")
    arguments = {}
    body, offset = call[1:-1], 0
    for part in body.split(",") if body.strip() else []:
        match = _ARGUMENT.match(part)
        if not match:
            raise _bad(f"Malformed function argument '{part.strip()}': use {_FUNCTION_SYNTAX}.")
        if match["name"] in arguments:
            raise _bad(f"Parameter '{match['name']}' is given twice.")
        if not match["value"].strip():
            # Graph's parser words an empty argument this way (e.g. "fromDateTime=,toDateTime=").
            raise _bad(f"Expression expected at position {offset + part.index('=') + 1} in '{body}'.")
        arguments[match["name"]] = match["value"]
        offset += len(part) + 1
    unknown = set(arguments) - {"fromDateTime", "toDateTime"}
    if unknown:
        raise _bad(f"Unknown parameter '{sorted(unknown)[0]}' for function 'getPstnCalls'; it takes fromDateTime and "
                   "toDateTime.")
    for name in ("fromDateTime", "toDateTime"):
        if not arguments.get(name, "").strip():
            raise _bad(f"Parameter '{name}' is required: use {_FUNCTION_SYNTAX}.")
    start = parse_instant(arguments["fromDateTime"], "fromDateTime")
    end = parse_instant(arguments["toDateTime"], "toDateTime")
    if end < start:
        raise _bad("toDateTime must not be earlier than fromDateTime.")
    if end - start > timedelta(days=MAX_DAYS):
        raise _bad(f"The time range between fromDateTime and toDateTime can be at most {MAX_DAYS} days.")
    return start, end


def skiptoken_make(start_at, row_id):
    return signing.dumps([start_at.isoformat(), row_id], salt=_SKIPTOKEN_SALT, compress=True)


def parse_skiptoken(raw):
    try:
        moment, row_id = signing.loads(raw, salt=_SKIPTOKEN_SALT)
        return datetime.fromisoformat(moment), int(row_id)
    except (signing.BadSignature, ValueError, TypeError):
        raise _bad("The $skiptoken is not valid; follow @odata.nextLink as returned.") from None


class PstnCallsView(APIView):
    token_scopes = scopes.only(scopes.Scope.GRAPH_READ)
    permission_classes = [HasCapability.for_(Cap.REPORTS_READ)]
    throttle_classes = [TenantThrottle.of("callRecords")]

    @extend_schema(
        summary="getPstnCalls", operation_id="graph_callRecords_getPstnCalls", tags=["Graph v1.0"],
        description="PSTN calls of the tenant that started from fromDateTime to toDateTime, both inclusive (at most 90 "
                    "days), as Graph `pstnCallLogRow` objects, 1,000 a page, oldest first; `@odata.count` counts the "
                    "page's rows; follow `@odata.nextLink` for the next page.",
        parameters=[OpenApiParameter("call", str, OpenApiParameter.PATH,
                                     description="(fromDateTime=2026-01-01T00:00:00Z,toDateTime=2026-01-31T00:00:00Z)"),
                    OpenApiParameter("$skiptoken", str, description="Opaque; follow @odata.nextLink.")],
        responses={200: PSTN_CALLS},
    )
    def get(self, request, call):
        start, end = parse_function_call(call)
        for name in request.query_params:
            if name not in SUPPORTED_OPTIONS:
                raise ApiError(f"The query option '{name}' is not supported on getPstnCalls (supported: "
                               f"{', '.join(sorted(SUPPORTED_OPTIONS))}).", code="Request_UnsupportedQuery")
        if request.query_params.get("$count", "true").strip().lower() not in ("true", "false"):
            raise _bad(f"Invalid value '{request.query_params['$count']}' for $count: true or false is expected.")
        rows = (pstn_calls(tenant=request.user.tenant, start=start, end=end + _INCLUSIVE).order_by("start_at", "id")
                .values_list(*GRAPH_FIELDS))
        token = request.query_params.get("$skiptoken")
        if token is not None:
            after_at, after_id = parse_skiptoken(token)
            rows = rows.filter(Q(start_at__gt=after_at) | Q(start_at=after_at, id__gt=after_id))
        page = list(rows[:PAGE_SIZE + 1])
        values = [graph_row(values) for values in page[:PAGE_SIZE]]
        body = {
            "@odata.context": request.build_absolute_uri(
                "/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)"),
            "@odata.count": len(values),
            "value": values,
        }
        if len(page) > PAGE_SIZE:
            last = page[PAGE_SIZE - 1]
            token = skiptoken_make(last[GRAPH_FIELDS.index("start_at")], last[0])
            body["@odata.nextLink"] = request.build_absolute_uri(f"{request.path}?$skiptoken={token}")
        return Response(render(PSTN_CALLS, body))
