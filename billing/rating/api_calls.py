"""The telephony platform's endpoints: authorize a call, complete it, import finished call records.

JSON is camelCase; money is a string with two decimals; errors are Graph-style and name the camelCase field.
The bearer token names the tenant.
"""
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.api.authentication import BearerTokenAuthentication
from accounts.permissions import HasCapability
from accounts.roles import Cap
from billing.credits.api import DecimalJSONParser
from billing.credits.exceptions import IdempotencyConflict, InsufficientCredits
from core.graph_errors import ApiError
from core.money import api_money
from core.negotiation import JsonFirstNegotiation, json_answer
from core.serializers import GRAPH_ERROR, render

from .call_answers import CALL_DECISION, CALL_EXTENSION, CALL_IMPORT, CALL_RECORD
from .call_reads import authorize_along, authorize_look, complete_along, complete_read
from .exceptions import CallConflict, UnknownCall
from .services import call_authorize, call_complete, call_extend, call_records_import

# service field -> the API's name for it
API_NAMES = {
    "call_id": "callId", "call_type": "callType", "user_principal_name": "userPrincipalName",
    "callee_number": "calleeNumber", "caller_number": "callerNumber", "start_at": "startDateTime",
    "end_at": "endDateTime", "duration_seconds": "durationSeconds", "conference_id": "conferenceId",
    "operator": "operator", "duration_source": "callDurationSource", "value": "value", "charge": "charge",
}
# the API's names (and the Graph pstnCallLogRow names an export carries) -> service field
ROW_NAMES = {api: name for name, api in API_NAMES.items()} | {"duration": "duration_seconds"}


def _renamed(exc):
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({API_NAMES.get(name, name): errors for name, errors in exc.error_dict.items()})


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _body(request):
    if not isinstance(request.data, dict):
        raise ApiError("The request body must be a JSON object.")
    return request.data


def call_record_json(record):
    """A call record in the shape of Graph's pstnCallLogRow, plus how it was paid."""
    return {
        "id": str(record.usage_id), "callId": record.call_id,
        "userId": str(record.user_object_id) if record.user_object_id else None,
        "userPrincipalName": record.user_principal_name, "userDisplayName": record.user_display_name,
        "startDateTime": _time(record.start_at), "endDateTime": _time(record.end_at),
        "duration": record.duration_seconds, "charge": api_money(record.charge),
        "connectionCharge": api_money(record.connection_charge), "currency": record.currency, "callType": record.call_type,
        "calleeNumber": record.callee_number, "callerNumber": record.caller_number,
        "destinationContext": record.destination_context, "destinationName": record.destination_name,
        "conferenceId": record.conference_id or None, "licenseCapability": record.capability,
        "capability": record.capability, "inventoryType": record.number_type, "usageCountryCode": record.usage_country,
        "tenantCountryCode": record.tenant_country, "operator": record.operator,
        "callDurationSource": record.duration_source, "poolMinutes": record.pool_minutes,
        "creditMinutes": record.credit_minutes,
    }


def decision_json(decision):
    return {
        "callId": decision.call_id, "decision": "allowed" if decision.allowed else "blocked",
        "reason": decision.reason, "message": decision.reason_message or None,
        "maxDurationSeconds": decision.max_duration_seconds, "capability": decision.capability,
        "expiresDateTime": _time(decision.expires_at),
    }


class CallAuthorizeView(APIView):
    content_negotiation_class = JsonFirstNegotiation
    token_scopes = scopes.only(scopes.Scope.CALLS)
    # The telephony platform's token only: these paths are served without sessions (config/token_api.py).
    authentication_classes = [BearerTokenAuthentication]
    read_along = staticmethod(authorize_along)  # the token's statement reads the call's first look (call_reads.py)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]
    parser_classes = [DecimalJSONParser]

    @extend_schema(summary="May this call go ahead, and for how long?", request=OpenApiTypes.OBJECT,
                   responses={200: CALL_DECISION, 409: GRAPH_ERROR})
    def post(self, request):
        body = _body(request)
        try:
            decision = call_authorize(
                tenant=request.user.tenant, call_id=body.get("callId"), call_type=body.get("callType"),
                user_principal_name=body.get("userPrincipalName", ""), callee_number=body.get("calleeNumber", ""),
                caller_number=body.get("callerNumber", ""), start_at=body.get("startDateTime"),
                conference_id=body.get("conferenceId", ""), look=authorize_look(request))
        except ValidationError as exc:
            raise _renamed(exc) from None
        except (CallConflict, IdempotencyConflict) as exc:
            raise ApiError(exc.message, code="Request_Conflict", status_code=409) from None
        except InsufficientCredits as exc:  # the balance moved between the check and the hold: try again
            raise ApiError(exc.message, code="Request_Conflict", status_code=409) from None
        return json_answer(request, decision_json(decision))


def extension_json(extension):
    return {
        "callId": extension.call_id, "decision": "allowed" if extension.allowed else "blocked",
        "reason": extension.reason, "message": extension.reason_message or None,
        "maxDurationSeconds": extension.max_duration_seconds, "capability": extension.capability,
        "endDateTime": _time(extension.ends_at), "expiresDateTime": _time(extension.expires_at),
    }


class CallExtendView(APIView):
    content_negotiation_class = JsonFirstNegotiation
    token_scopes = scopes.only(scopes.Scope.CALLS)
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]
    token_scopes = scopes.only(scopes.Scope.CALLS)
    parser_classes = [DecimalJSONParser]

    @extend_schema(summary="Ask for the next slice of a call in progress", request=OpenApiTypes.OBJECT,
                   responses={200: CALL_EXTENSION, 409: GRAPH_ERROR})
    def post(self, request, call_id):
        try:
            extension = call_extend(tenant=request.user.tenant, call_id=call_id)
        except ValidationError as exc:
            raise _renamed(exc) from None
        except UnknownCall as exc:
            raise ApiError(exc.message, code="Request_ResourceNotFound", status_code=404) from None
        except (CallConflict, InsufficientCredits) as exc:
            raise ApiError(exc.message, code="Request_Conflict", status_code=409) from None
        return Response(extension_json(extension))


class CallCompleteView(APIView):
    content_negotiation_class = JsonFirstNegotiation
    token_scopes = scopes.only(scopes.Scope.CALLS)
    authentication_classes = [BearerTokenAuthentication]
    read_along = staticmethod(complete_along)  # the token's statement reads the call's authorization (call_reads.py)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]
    parser_classes = [DecimalJSONParser]

    @extend_schema(summary="Rate and charge a finished call", request=OpenApiTypes.OBJECT,
                   responses={200: CALL_RECORD, 409: GRAPH_ERROR})
    def post(self, request, call_id):
        body = _body(request)
        try:
            record = call_complete(tenant=request.user.tenant, call_id=call_id,
                                   duration_seconds=body.get("durationSeconds"), end_at=body.get("endDateTime"),
                                   read=complete_read(request))
        except ValidationError as exc:
            raise _renamed(exc) from None
        except UnknownCall as exc:
            raise ApiError(exc.message, code="Request_ResourceNotFound", status_code=404) from None
        except (CallConflict, IdempotencyConflict, InsufficientCredits) as exc:
            raise ApiError(exc.message, code="Request_Conflict", status_code=409) from None
        return json_answer(request, call_record_json(record))


class RowsJSONParser(DecimalJSONParser):
    refuse_nul = False  # a NUL byte in one record is that record's error (services/imports.py), not the batch's


class CallImportView(APIView):
    token_scopes = scopes.only(scopes.Scope.CALLS)
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]
    parser_classes = [RowsJSONParser]

    @extend_schema(summary="Import up to 10,000 finished call records", request=OpenApiTypes.OBJECT,
                   responses={200: CALL_IMPORT})
    def post(self, request):
        body = _body(request)
        rows = body.get("value")
        if not isinstance(rows, list):
            raise ApiError("value: send the call records as a list, {\"value\": [...]}.")
        renamed = [{ROW_NAMES[key]: value for key, value in row.items() if key in ROW_NAMES}
                   if isinstance(row, dict) else row for row in rows]
        try:
            result = call_records_import(tenant=request.user.tenant, rows=renamed, actor=request.user)
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(CALL_IMPORT, {
            "imported": result.imported, "charged": api_money(result.charged), "currency": request.user.tenant.currency,
            "poolMinutes": result.pool_minutes, "creditMinutes": result.credit_minutes,
            "duplicates": [{"index": index, "callId": call_id} for index, call_id in result.duplicates],
            "errors": [{"index": e.index, "callId": e.call_id or None, "field": API_NAMES.get(e.field, e.field) or None,
                        "message": e.message} for e in result.errors],
        }))
