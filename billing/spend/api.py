"""/api/v1/calling-policy and /api/v1/users/{id}/calling-policy: spend limits (Teams' EnableSpendLimits and
CallingSpendUserLimit) and the slice a call holds. Money is a string with two decimals; errors name the camelCase field.
"""
import uuid

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasCapability
from accounts.roles import Cap
from billing.credits.api import DecimalJSONParser
from core.graph_errors import ApiError

from . import services

API_NAMES = {"enable_spend_limits": "enableSpendLimits", "user_spend_limit": "callingSpendUserLimit",
             "slice_minutes": "sliceMinutes", "spend_limit": "callingSpendUserLimit"}


def _money(value):
    return None if value is None else f"{value:.2f}"


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
    parser_classes = [DecimalJSONParser]

    def get_permissions(self):
        cap = Cap.BILLING_READ if self.request.method == "GET" else Cap.BILLING_MANAGE
        return [HasCapability.for_(cap)()]


def policy_json(policy, tenant):
    return {"enableSpendLimits": policy.enable_spend_limits, "callingSpendUserLimit": _money(policy.user_spend_limit),
            "sliceMinutes": policy.slice_minutes, "currency": tenant.currency}


_schema = extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})


class CallingPolicyView(_ReadOrManage):
    @_schema
    def get(self, request):
        tenant = request.user.tenant
        return Response(policy_json(services.calling_policy_for(tenant=tenant), tenant))

    @_schema
    def patch(self, request):
        tenant = request.user.tenant
        body = _body(request, ("enableSpendLimits", "callingSpendUserLimit", "sliceMinutes"))
        try:
            policy = services.calling_policy_update(
                tenant=tenant, actor=request.user,
                enable_spend_limits=body.get("enableSpendLimits", services.UNSET),
                user_spend_limit=body.get("callingSpendUserLimit", services.UNSET),
                slice_minutes=body.get("sliceMinutes", services.UNSET))
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(policy_json(policy, tenant))


def user_policy_json(user, summary):
    limit = summary["limit"]
    source = "none" if limit is None else ("user" if summary["own_limit"] is not None else "policy")
    return {"userId": str(user.pk), "userPrincipalName": user.upn, "enableSpendLimits": summary["enabled"],
            "callingSpendUserLimit": _money(summary["own_limit"]), "effectiveLimit": _money(limit),
            "limitSource": source, "month": f"{summary['month']:%Y-%m}", "spentThisMonth": _money(summary["spent"]),
            "heldNow": _money(summary["held"]),
            "remaining": None if limit is None else _money(max(limit - summary["spent"] - summary["held"], 0))}


class UserCallingPolicyView(_ReadOrManage):
    def _user(self, request, user_id):
        try:
            return User.objects.get(pk=uuid.UUID(str(user_id)), tenant=request.user.tenant)
        except (ValueError, User.DoesNotExist):
            raise ApiError(f"User '{user_id}' does not exist in this organization.", code="Request_ResourceNotFound",
                           status_code=404) from None

    @_schema
    def get(self, request, user_id):
        user = self._user(request, user_id)
        return Response(user_policy_json(user, services.user_spend_summary(tenant=request.user.tenant, user=user)))

    @_schema
    def patch(self, request, user_id):
        user = self._user(request, user_id)
        body = _body(request, ("callingSpendUserLimit",))
        if "callingSpendUserLimit" not in body:
            raise ApiError("callingSpendUserLimit: send the user's monthly limit, or null to use the policy's.")
        try:
            services.user_calling_policy_update(tenant=request.user.tenant, user=user, actor=request.user,
                                                spend_limit=body["callingSpendUserLimit"])
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(user_policy_json(user, services.user_spend_summary(tenant=request.user.tenant, user=user)))
