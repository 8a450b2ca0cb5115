"""The telephony platform's answers (/api/v1/calls/…) as output serializers. The import's answer is written by its
serializer; authorize, extend and complete are the hot path and write their dicts directly (api_calls.py), so there
these serializers are the schema only and tests/security/test_schema_conformance.py checks real answers against it."""
from typing import Any

from rest_framework import serializers

from core.serializers import Money, answer

_DECISION: dict[str, Any] = {
    "callId": serializers.CharField(),
    "decision": serializers.ChoiceField(choices=["allowed", "blocked"]),
    "reason": serializers.CharField(allow_null=True, help_text="Why the call is blocked; null when allowed"),
    "message": serializers.CharField(allow_null=True, help_text="The reason in words"),
    "maxDurationSeconds": serializers.IntegerField(help_text="From the call's start"),
    "capability": serializers.CharField(allow_null=True, help_text="What pays: a calling plan's pool or credits"),
}
CALL_DECISION = answer("CallDecision", {
    **_DECISION,
    "expiresDateTime": serializers.DateTimeField(allow_null=True, help_text="Extend or complete the call by then"),
})
CALL_EXTENSION = answer("CallExtension", {
    **_DECISION,
    "capability": serializers.CharField(),
    "endDateTime": serializers.DateTimeField(help_text="When the call must end unless extended again"),
    "expiresDateTime": serializers.DateTimeField(),
})
CALL_RECORD = answer("CallRecord", {
    "id": serializers.CharField(), "callId": serializers.CharField(), "userId": serializers.UUIDField(allow_null=True),
    "userPrincipalName": serializers.CharField(allow_blank=True), "userDisplayName": serializers.CharField(allow_blank=True),
    "startDateTime": serializers.DateTimeField(), "endDateTime": serializers.DateTimeField(),
    "duration": serializers.IntegerField(help_text="Seconds"),
    "charge": Money(help_text="Paid by Communications Credits, connection fee included"), "connectionCharge": Money(),
    "currency": serializers.CharField(), "callType": serializers.CharField(), "calleeNumber": serializers.CharField(),
    "callerNumber": serializers.CharField(allow_blank=True), "destinationContext": serializers.CharField(),
    "destinationName": serializers.CharField(allow_blank=True), "conferenceId": serializers.CharField(allow_null=True),
    "licenseCapability": serializers.CharField(), "capability": serializers.CharField(),
    "inventoryType": serializers.CharField(allow_blank=True), "usageCountryCode": serializers.CharField(allow_blank=True),
    "tenantCountryCode": serializers.CharField(allow_blank=True), "operator": serializers.CharField(),
    "callDurationSource": serializers.CharField(), "poolMinutes": serializers.IntegerField(),
    "creditMinutes": serializers.IntegerField(),
})
CALL_IMPORT = answer("CallImport", {
    "imported": serializers.IntegerField(help_text="Records rated and charged"), "charged": Money(),
    "currency": serializers.CharField(), "poolMinutes": serializers.IntegerField(),
    "creditMinutes": serializers.IntegerField(),
    "duplicates": answer("CallImportDuplicate", {
        "index": serializers.IntegerField(), "callId": serializers.CharField()})(
        many=True, help_text="Records already imported or completed: answered from the first, not charged again"),
    "errors": answer("CallImportRowError", {
        "index": serializers.IntegerField(help_text="The record's position in value, from 0"),
        "callId": serializers.CharField(allow_null=True), "field": serializers.CharField(allow_null=True),
        "message": serializers.CharField()})(many=True, help_text="Records refused, each naming its field; the others "
                                                                  "are imported"),
})
