"""/api/v1/calling-policy and /api/v1/users/{id}/calling-policy: spend limits (Teams' EnableSpendLimits and
CallingSpendUserLimit) and the slice a call holds. Money is a string with two decimals; errors name the camelCase field.
"""
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.models import User
from accounts.permissions import HasCapability
from accounts.roles import Cap
from billing.credits.api import DecimalJSONParser
from core.graph_errors import ApiError
from core.money import api_money
from core.serializers import Money, answer, collection, render

from . import services
from .models import DestinationPolicy

API_NAMES = {"enable_spend_limits": "enableSpendLimits", "user_spend_limit": "callingSpendUserLimit",
             "slice_minutes": "sliceMinutes", "spend_limit": "callingSpendUserLimit",
             "destination_policy_id": "destinationPolicyId", "anomaly_multiple": "spendAnomalyMultiple",
             "name": "name", "blocked_countries": "blockedCountries", "blocked_number_types": "blockedNumberTypes",
             "max_concurrent_calls": "maxConcurrentCalls"}


def _renamed(exc):
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({API_NAMES.get(name, name): errors for name, errors in exc.error_dict.items()})


def _body(request, allowed):
    if not isinstance(request.data, dict):
        raise ApiError("The request body must be a JSON object.")
    unknown = sorted(set(request.data) - set(allowed))
    if unknown:
        raise ApiError(f"{unknown[0]}: not a field you can change ({', '.join(allowed)}).")
    return request.data


class _ReadOrManage(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    parser_classes = [DecimalJSONParser]

    def get_permissions(self):
        cap = Cap.BILLING_READ if self.request.method == "GET" else Cap.BILLING_MANAGE
        return [HasCapability.for_(cap)()]


def policy_json(policy, tenant):
    return {"enableSpendLimits": policy.enable_spend_limits, "callingSpendUserLimit": api_money(policy.user_spend_limit),
            "sliceMinutes": policy.slice_minutes, "currency": tenant.currency,
            "destinationPolicyId": policy.destination_policy_id, "spendAnomalyMultiple": policy.anomaly_multiple}


CALLING_POLICY = answer("CallingPolicy", {
    "enableSpendLimits": serializers.BooleanField(),
    "callingSpendUserLimit": Money(allow_null=True, help_text="Each user's monthly limit; null: none."),
    "sliceMinutes": serializers.IntegerField(help_text="Minutes of credit a call holds at a time"),
    "currency": serializers.CharField(),
    "destinationPolicyId": serializers.IntegerField(allow_null=True),
    "spendAnomalyMultiple": serializers.IntegerField(),
})
USER_CALLING_POLICY = answer("UserCallingPolicy", {
    "userId": serializers.UUIDField(), "userPrincipalName": serializers.CharField(),
    "enableSpendLimits": serializers.BooleanField(),
    "callingSpendUserLimit": Money(allow_null=True, help_text="The user's own limit; null: the policy's."),
    "effectiveLimit": Money(allow_null=True), "limitSource": serializers.ChoiceField(choices=["none", "user", "policy"]),
    "month": serializers.CharField(help_text="YYYY-MM (UTC)"), "spentThisMonth": Money(), "heldNow": Money(),
    "destinationPolicyId": serializers.IntegerField(allow_null=True), "remaining": Money(allow_null=True),
})
DESTINATION_POLICY = answer("DestinationPolicy", {
    "id": serializers.IntegerField(), "name": serializers.CharField(),
    "blockedCountries": serializers.ListField(child=serializers.CharField()),
    "blockedNumberTypes": serializers.ListField(child=serializers.CharField()),
    "maxConcurrentCalls": serializers.IntegerField(allow_null=True, help_text="Per user; null: no limit"),
})
DESTINATION_POLICY_LIST = collection("DestinationPolicyList", DESTINATION_POLICY(), next_link=False)


def _schema(operation_id, answer_shape=None, status=200):
    responses = {status: answer_shape} if answer_shape else {204: None}
    return extend_schema(operation_id=operation_id, request=OpenApiTypes.OBJECT, responses=responses)


class CallingPolicyView(_ReadOrManage):
    @_schema("calling_policy_get", CALLING_POLICY)
    def get(self, request):
        tenant = request.user.tenant
        return Response(render(CALLING_POLICY, policy_json(services.calling_policy_for(tenant=tenant), tenant)))

    @_schema("calling_policy_patch", CALLING_POLICY)
    def patch(self, request):
        tenant = request.user.tenant
        body = _body(request, ("enableSpendLimits", "callingSpendUserLimit", "sliceMinutes", "destinationPolicyId",
                               "spendAnomalyMultiple"))
        try:
            with transaction.atomic():
                policy = services.calling_policy_update(
                    tenant=tenant, actor=request.user,
                    enable_spend_limits=body.get("enableSpendLimits", services.UNSET),
                    user_spend_limit=body.get("callingSpendUserLimit", services.UNSET),
                    slice_minutes=body.get("sliceMinutes", services.UNSET))
                if "destinationPolicyId" in body or "spendAnomalyMultiple" in body:
                    policy = services.calling_policy_set_destination(
                        tenant=tenant, actor=request.user,
                        destination_policy_id=body.get("destinationPolicyId", services.UNSET),
                        anomaly_multiple=body.get("spendAnomalyMultiple", services.UNSET))
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(CALLING_POLICY, policy_json(policy, tenant)))


def user_policy_json(user, summary):
    limit = summary["limit"]
    source = "none" if limit is None else ("user" if summary["own_limit"] is not None else "policy")
    return {"userId": str(user.pk), "userPrincipalName": user.upn, "enableSpendLimits": summary["enabled"],
            "callingSpendUserLimit": api_money(summary["own_limit"]), "effectiveLimit": api_money(limit),
            "limitSource": source, "month": f"{summary['month']:%Y-%m}", "spentThisMonth": api_money(summary["spent"]),
            "heldNow": api_money(summary["held"]), "destinationPolicyId": summary["destination_policy_id"],
            "remaining": None if limit is None else api_money(max(limit - summary["spent"] - summary["held"], 0))}


class UserCallingPolicyView(_ReadOrManage):
    def _user(self, request, user_id):
        try:
            return User.objects.get(pk=uuid.UUID(str(user_id)), tenant=request.user.tenant)
        except (ValueError, User.DoesNotExist):
            raise ApiError(f"User '{user_id}' does not exist in this organization.", code="Request_ResourceNotFound",
                           status_code=404) from None

    @_schema("user_calling_policy_get", USER_CALLING_POLICY)
    def get(self, request, user_id):
        user = self._user(request, user_id)
        return Response(render(USER_CALLING_POLICY, user_policy_json(
            user, services.user_spend_summary(tenant=request.user.tenant, user=user))))

    @_schema("user_calling_policy_patch", USER_CALLING_POLICY)
    def patch(self, request, user_id):
        user = self._user(request, user_id)
        body = _body(request, ("callingSpendUserLimit", "destinationPolicyId"))
        if not body:
            raise ApiError("callingSpendUserLimit: send the user's monthly limit, or null to use the policy's.")
        try:
            with transaction.atomic():
                if "callingSpendUserLimit" in body:
                    services.user_calling_policy_update(tenant=request.user.tenant, user=user, actor=request.user,
                                                        spend_limit=body["callingSpendUserLimit"])
                if "destinationPolicyId" in body:
                    services.user_destination_policy_set(tenant=request.user.tenant, user=user, actor=request.user,
                                                         destination_policy_id=body["destinationPolicyId"])
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(USER_CALLING_POLICY, user_policy_json(
            user, services.user_spend_summary(tenant=request.user.tenant, user=user))))


def destination_policy_json(policy):
    return {"id": policy.pk, "name": policy.name, "blockedCountries": policy.country_list(),
            "blockedNumberTypes": policy.number_type_list(), "maxConcurrentCalls": policy.max_concurrent_calls}


_POLICY_FIELDS = ("name", "blockedCountries", "blockedNumberTypes", "maxConcurrentCalls")


def _policy_changes(body):
    names = {"name": "name", "blockedCountries": "blocked_countries", "blockedNumberTypes": "blocked_number_types",
             "maxConcurrentCalls": "max_concurrent_calls"}
    return {names[key]: value for key, value in body.items()}


class DestinationPolicyListView(_ReadOrManage):
    @_schema("destination_policy_list_get", DESTINATION_POLICY_LIST)
    def get(self, request):
        rows = DestinationPolicy.objects.filter(tenant=request.user.tenant).order_by("name")
        return Response(render(DESTINATION_POLICY_LIST, {"value": [destination_policy_json(p) for p in rows]}))

    @_schema("destination_policy_list_post", DESTINATION_POLICY, status=201)
    def post(self, request):
        body = _body(request, _POLICY_FIELDS)
        try:
            policy = services.destination_policy_save(tenant=request.user.tenant, actor=request.user,
                                                      **_policy_changes(body))
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(DESTINATION_POLICY, destination_policy_json(policy)), status=201)


class DestinationPolicyDetailView(_ReadOrManage):
    def _policy(self, request, policy_id):
        try:
            return DestinationPolicy.objects.get(tenant=request.user.tenant, pk=int(policy_id))
        except (ValueError, DestinationPolicy.DoesNotExist):
            raise ApiError(f"Destination policy '{policy_id}' does not exist in this organization.",
                           code="Request_ResourceNotFound", status_code=404) from None

    @_schema("destination_policy_detail_get", DESTINATION_POLICY)
    def get(self, request, policy_id):
        return Response(render(DESTINATION_POLICY, destination_policy_json(self._policy(request, policy_id))))

    @_schema("destination_policy_detail_patch", DESTINATION_POLICY)
    def patch(self, request, policy_id):
        policy = self._policy(request, policy_id)
        body = _body(request, _POLICY_FIELDS)
        try:
            policy = services.destination_policy_save(tenant=request.user.tenant, actor=request.user, policy=policy,
                                                      **_policy_changes(body))
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(DESTINATION_POLICY, destination_policy_json(policy)))

    @_schema("destination_policy_detail_delete")
    def delete(self, request, policy_id):
        services.destination_policy_delete(tenant=request.user.tenant, policy=self._policy(request, policy_id),
                                           actor=request.user)
        return Response(status=204)
