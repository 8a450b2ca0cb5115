"""The Graph v1.0 answers of licensing (subscribedSku, user, licenseDetails) as output serializers: the views write
their answers with them and drf-spectacular documents them, so the schema is the answer's own shape."""
from typing import Any

from rest_framework import serializers

from core.serializers import answer, collection

_SERVICE_PLAN = answer("GraphServicePlanInfo", {
    "servicePlanId": serializers.UUIDField(), "servicePlanName": serializers.CharField(),
    "provisioningStatus": serializers.CharField(), "appliesTo": serializers.CharField(),
})
_SUBSCRIBED_SKU_FIELDS: dict[str, Any] = {
    "accountId": serializers.UUIDField(), "accountName": serializers.CharField(),
    "appliesTo": serializers.CharField(), "capabilityStatus": serializers.CharField(),
    "consumedUnits": serializers.IntegerField(), "id": serializers.CharField(help_text="{tenant id}_{SKU id}"),
    "prepaidUnits": answer("GraphLicenseUnitsDetail", {
        "enabled": serializers.IntegerField(), "suspended": serializers.IntegerField(),
        "warning": serializers.IntegerField(), "lockedOut": serializers.IntegerField()})(),
    "servicePlans": _SERVICE_PLAN(many=True), "skuId": serializers.UUIDField(),
    "skuPartNumber": serializers.CharField(), "subscriptionIds": serializers.ListField(child=serializers.CharField()),
}
SUBSCRIBED_SKU = answer("GraphSubscribedSku", {"@odata.context": serializers.URLField(), **_SUBSCRIBED_SKU_FIELDS})
SUBSCRIBED_SKUS = collection("GraphSubscribedSkuCollection", answer("GraphSubscribedSkuItem", _SUBSCRIBED_SKU_FIELDS)(),
                             context=True, next_link=False)

# Every property is optional: $select chooses them (without it, Graph's default set).
_USER_FIELDS: dict[str, Any] = {
    "id": serializers.UUIDField(required=False),
    "businessPhones": serializers.ListField(child=serializers.CharField(), required=False),
    "displayName": serializers.CharField(required=False),
    "givenName": serializers.CharField(allow_null=True, required=False),
    "jobTitle": serializers.CharField(allow_null=True, required=False),
    "mail": serializers.CharField(required=False),
    "mobilePhone": serializers.CharField(allow_null=True, required=False),
    "officeLocation": serializers.CharField(allow_null=True, required=False),
    "preferredLanguage": serializers.CharField(allow_null=True, required=False),
    "surname": serializers.CharField(allow_null=True, required=False),
    "userPrincipalName": serializers.CharField(required=False),
    "accountEnabled": serializers.BooleanField(required=False),
    "usageLocation": serializers.CharField(allow_null=True, required=False),
    "department": serializers.CharField(allow_null=True, required=False),
    "createdDateTime": serializers.DateTimeField(required=False),
    "assignedLicenses": answer("GraphAssignedLicense", {
        "disabledPlans": serializers.ListField(child=serializers.UUIDField()),
        "skuId": serializers.UUIDField()})(many=True, required=False),
    "assignedPlans": answer("GraphAssignedPlan", {
        "assignedDateTime": serializers.DateTimeField(), "capabilityStatus": serializers.CharField(),
        "service": serializers.CharField(), "servicePlanId": serializers.UUIDField()})(many=True, required=False),
    "licenseAssignmentStates": answer("GraphLicenseAssignmentState", {
        "assignedByGroup": serializers.CharField(allow_null=True),
        "disabledPlans": serializers.ListField(child=serializers.UUIDField()),
        "error": serializers.CharField(), "lastUpdatedDateTime": serializers.DateTimeField(),
        "skuId": serializers.UUIDField(), "state": serializers.CharField()})(many=True, required=False),
}
USER = answer("GraphUser", {"@odata.context": serializers.URLField(), **_USER_FIELDS})
USERS = collection("GraphUserCollection", answer("GraphUserItem", _USER_FIELDS)(), context=True, count=True)

_LICENSE_DETAILS = answer("GraphLicenseDetails", {
    "id": serializers.CharField(), "skuId": serializers.UUIDField(), "skuPartNumber": serializers.CharField(),
    "servicePlans": _SERVICE_PLAN(many=True),
})
LICENSE_DETAILS = collection("GraphLicenseDetailsCollection", _LICENSE_DETAILS(), context=True, next_link=False)
