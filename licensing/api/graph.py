"""Graph v1.0 endpoints: subscribedSkus, users (list, count, create, get, update), assignLicense, licenseDetails."""
import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.models import User
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.serializers import GRAPH_ERROR, render
from core.throttling import TenantThrottle
from core.validation import is_whole

from ..models import LicenseAssignment, Product, ServicePlan
from ..rules import COUNT_VIOLATION, DEPENDENCY_VIOLATION, USAGE_LOCATION_VIOLATION
from ..services import (
    INVALID_USAGE_LOCATION,
    LicenseRulesBroken,
    licenses_change,
    user_add,
    user_delete,
    user_profile_update,
)
from . import odata
from .answers import LICENSE_DETAILS, SUBSCRIBED_SKU, SUBSCRIBED_SKUS, USER, USERS
from .permissions import HasAnyCapability
from .representations import (
    READ_ONLY_USER_PROPERTIES,
    USER_PROPERTIES,
    license_details_json,
    subscribed_sku_json,
    subscribed_skus,
    user_json,
    with_license_properties,
)

GRAPH_USER_UPDATE = inline_serializer("GraphUserUpdate", {
    name: serializers.JSONField(required=False) for name in USER_PROPERTIES if name not in READ_ONLY_USER_PROPERTIES})


# Service field names as Graph property names; rule messages (licenses) need no prefix.
_PROPERTY_OF_FIELD = {
    "display_name": "displayName", "first_name": "givenName", "last_name": "surname",
    "usage_location": "usageLocation", "job_title": "jobTitle", "department": "department",
    "office_location": "officeLocation", "phone_number": "businessPhones", "upn": "userPrincipalName",
    "password": "passwordProfile.password", "sign_in_allowed": "accountEnabled", "quantity": "quantity",
}


# Graph's words for a refused license change (user: assignLicense), by the rule broken.
_LICENSE_MESSAGES = {
    COUNT_VIOLATION: lambda v: f"Subscription with SKU {v.sku_id} does not have any available licenses.",
    DEPENDENCY_VIOLATION: lambda v: (f"License assignment failed because service plan {v.plan_id} depends on the "
                                     f"service plan(s) {','.join(str(plan) for plan in v.required_plan_ids)}."),
    USAGE_LOCATION_VIOLATION: lambda v: INVALID_USAGE_LOCATION,
}


def graph_errors(exc):
    """A Django ValidationError from a service as one Graph 400: a broken licensing rule in Graph's words, other
    problems naming each property."""
    if isinstance(exc, LicenseRulesBroken):
        violation = exc.violations[0]
        return ApiError(_LICENSE_MESSAGES.get(violation.error, lambda v: v.message)(violation))
    if not hasattr(exc, "error_dict"):
        return ApiError(" ".join(exc.messages))
    messages: list = []
    for field, errors in exc.message_dict.items():
        prefix = f"{_PROPERTY_OF_FIELD[field]}: " if field in _PROPERTY_OF_FIELD else ""
        messages.extend(f"{prefix}{message}" for message in errors)
    return ApiError(" ".join(messages))


def _context(request, fragment):
    return request.build_absolute_uri(f"/v1.0/$metadata#{fragment}")


def _not_found(key):
    return ApiError(f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
                    code="Request_ResourceNotFound", status_code=404)


def user_for(tenant, key, queryset=None):
    """The tenant's user named by object id or userPrincipalName; any other user is a 404."""
    users = queryset if queryset is not None else User.objects.filter(tenant=tenant, deleted_at__isnull=True)
    try:
        condition = {"pk": uuid.UUID(key)}
    except ValueError:
        condition = {"upn": key.strip().lower()}
    user = users.filter(tenant=tenant, **condition).first()
    if user is None:
        raise _not_found(key)
    return user


def _guid(value, what):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ApiError(f"Invalid value '{value}' for {what}: a GUID is expected.") from None


# Graph's base cost in resource units of a directory read (throttling-limits, "Identity and access service limits").
_READ_UNITS = {"SubscribedSkusView": 3, "SubscribedSkuView": 3, "UsersView": 2, "LicenseDetailsView": 2}


def _directory_cost(request, view):
    """Resource units of a request as Graph counts them: the path's base cost, one less with $select or a $top under
    20, never below 1; a write costs 1."""
    if request.method != "GET":
        return 1
    cost = _READ_UNITS.get(type(view).__name__, 1)
    cost -= "$select" in request.query_params
    top = request.query_params.get("$top", "")
    cost -= is_whole(top) and int(top) < 20
    return max(cost, 1)


# Every directory endpoint counts against the tenant's resource units, writes also against its write quota.
DIRECTORY_THROTTLES = [TenantThrottle.of("directory", cost=_directory_cost),
                       TenantThrottle.of("directoryWrites", methods=("POST", "PATCH", "PUT", "DELETE"))]


class GraphView(APIView):
    """A Graph directory endpoint: throttled per tenant as Graph throttles the directory."""

    token_scopes = scopes.reads_and_writes(scopes.Scope.GRAPH_READ, scopes.Scope.GRAPH_WRITE)

    throttle_classes = DIRECTORY_THROTTLES


class SubscribedSkusView(GraphView):
    permission_classes = [HasAnyCapability.for_any(Cap.BILLING_READ, Cap.LICENSES_MANAGE, Cap.USERS_READ)]

    @extend_schema(
        summary="List subscribedSkus", operation_id="graph_subscribedSkus_list", tags=["Graph v1.0"],
        description="The tenant's subscriptions as Graph `subscribedSku` objects (prepaid and consumed units, plans).",
        responses={200: SUBSCRIBED_SKUS},
    )
    def get(self, request):
        subscriptions = subscribed_skus(request.user.tenant)
        return Response(render(SUBSCRIBED_SKUS, {"@odata.context": _context(request, "subscribedSkus"),
                                                 "value": [subscribed_sku_json(s) for s in subscriptions]}))


class SubscribedSkuView(GraphView):
    permission_classes = SubscribedSkusView.permission_classes

    @extend_schema(summary="Get subscribedSku", operation_id="graph_subscribedSku_get", tags=["Graph v1.0"],
                   description="One subscribedSku by its id (`{tenant id}_{SKU id}`, as the list gives it).",
                   responses={200: SUBSCRIBED_SKU, 404: GRAPH_ERROR})
    def get(self, request, key):
        found = [s for s in subscribed_skus(request.user.tenant) if subscribed_sku_json(s)["id"] == key]
        if not found:
            raise _not_found(key)
        return Response(render(SUBSCRIBED_SKU, {"@odata.context": _context(request, "subscribedSkus/$entity"),
                                                **subscribed_sku_json(found[0])}))


_USER_QUERY_PARAMETERS = {parameter.name: parameter for parameter in [
    OpenApiParameter("$top", int, description="Page size, 1–999 (default 100)."),
    OpenApiParameter("$select", str, description="Comma-separated properties, e.g. id,userPrincipalName,assignedLicenses"),
    OpenApiParameter("$filter", str, description="userPrincipalName eq '…', usageLocation eq '…', "
                                                 "startswith(displayName,'…'), joined by and"),
    OpenApiParameter("$search", str, description='"displayName:ada" clauses joined by AND or OR (needs ConsistencyLevel: '
                                                 'eventual)'),
    OpenApiParameter("$orderby", str, description="displayName or userPrincipalName, asc or desc"),
    OpenApiParameter("$count", bool, description="true adds @odata.count (with the ConsistencyLevel: eventual header)."),
    OpenApiParameter("$skiptoken", str, description="Opaque; follow @odata.nextLink."),
    OpenApiParameter("ConsistencyLevel", str, OpenApiParameter.HEADER, description="eventual, for advanced queries"),
]}

_WRITABLE = {
    "displayName": "display_name", "givenName": "first_name", "surname": "last_name",
    "usageLocation": "usage_location", "jobTitle": "job_title", "department": "department",
    "officeLocation": "office_location",
}


def _profile_fields(body, *, allowed_extra=()):
    """(model fields, accountEnabled) from a user body, its instance annotations dropped; a read-only or unknown
    property is refused with Graph's words."""
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object.", code="BadRequest")
    body = odata.without_annotations(body)
    for name in body:
        if name in READ_ONLY_USER_PROPERTIES:
            raise ApiError(f"Property '{name}' is read-only and cannot be set.")
    unknown = set(body) - set(_WRITABLE) - {"businessPhones", "accountEnabled"} - set(allowed_extra)
    if unknown:
        raise ApiError(f"The property '{sorted(unknown)[0]}' does not exist on type 'microsoft.graph.user'. Make sure "
                       "to only use property names that are defined by the type.", code="BadRequest")
    fields = {_WRITABLE[name]: ("" if body[name] is None else body[name]) for name in _WRITABLE if name in body}
    for name, field in _WRITABLE.items():
        if name in body and not isinstance(fields[field], str):
            raise ApiError(f"{name}: Invalid value for property '{name}': a string is expected.")
    if "businessPhones" in body:
        phones = body["businessPhones"]
        if not isinstance(phones, list) or len(phones) > 1 or not all(isinstance(p, str) for p in phones):
            raise ApiError("Invalid value for property 'businessPhones': a list of at most one phone number.")
        fields["phone_number"] = phones[0] if phones else ""
    sign_in = body.get("accountEnabled")
    if "accountEnabled" in body and not isinstance(sign_in, bool):
        raise ApiError("Invalid value for property 'accountEnabled': true or false is expected.")
    return fields, sign_in


def _keyset(users, query):
    """The users of `query` in its order (the id breaks ties), after the row its $skiptoken names."""
    if not query.order:
        users = users.order_by("pk")
        return users.filter(pk__gt=query.after[1]) if query.after else users
    _, field, descending = query.order
    users = users.order_by(f"-{field}", "-pk") if descending else users.order_by(field, "pk")
    if query.after:
        value, last_id = query.after
        beyond = "lt" if descending else "gt"
        users = users.filter(Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"pk__{beyond}": last_id}))
    return users


class UsersView(GraphView):
    def get_permissions(self):
        capability = Cap.USERS_READ if self.request.method == "GET" else Cap.USERS_MANAGE
        return [HasCapability.for_(capability)()]

    @extend_schema(summary="List users", operation_id="graph_users_list", tags=["Graph v1.0"],
                   parameters=list(_USER_QUERY_PARAMETERS.values()),
                   description="Graph `GET /users`: a page of users, `@odata.nextLink` when there are more.",
                   responses={200: USERS, 400: GRAPH_ERROR})
    def get(self, request):
        query = odata.parse_user_query(request.query_params, request.headers, USER_PROPERTIES)
        matching = User.objects.filter(tenant=request.user.tenant, deleted_at__isnull=True).filter(query.condition)
        page = with_license_properties(list(_keyset(matching, query)[:query.top + 1]), query.select)
        body = {"@odata.context": _context(request, "users")}
        if query.count:
            body["@odata.count"] = matching.count()
        if len(page) > query.top:
            params = request.query_params.copy()
            params["$skiptoken"] = odata.skiptoken_make(query.order, page[query.top - 1])
            body["@odata.nextLink"] = request.build_absolute_uri(f"{request.path}?{params.urlencode(safe='$,()')}")
        body["value"] = [user_json(u, query.select) for u in page[:query.top]]
        return Response(render(USERS, body))

    @extend_schema(
        summary="Create user", operation_id="graph_users_create", tags=["Graph v1.0"],
        responses={201: USER, 400: GRAPH_ERROR},
        request=inline_serializer("GraphUserCreate", {
            "accountEnabled": serializers.BooleanField(), "displayName": serializers.CharField(),
            "mailNickname": serializers.CharField(), "userPrincipalName": serializers.CharField(),
            "passwordProfile": inline_serializer("PasswordProfile", {
                "password": serializers.CharField(),
                "forceChangePasswordNextSignIn": serializers.BooleanField(required=False)}),
            "usageLocation": serializers.CharField(required=False),
        }),
        examples=[OpenApiExample("New user", value={
            "accountEnabled": True, "displayName": "Adele Vance", "mailNickname": "adele",
            "userPrincipalName": "adele@contoso.example", "usageLocation": "US",
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "xWwvJ]6NMw+bWH-d"}})],
    )
    def post(self, request):
        fields, sign_in = _profile_fields(request.data, allowed_extra=("mailNickname", "userPrincipalName",
                                                                       "passwordProfile"))
        body = odata.without_annotations(request.data)
        missing = [name for name in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName",
                                     "passwordProfile") if body.get(name) in (None, "")]
        if missing:
            raise ApiError(f"Property '{missing[0]}' is required when creating a user.")
        profile = body["passwordProfile"]
        if not isinstance(profile, dict) or not isinstance(profile.get("password"), str):
            raise ApiError("Property 'passwordProfile.password' is required when creating a user.")
        fields.pop("display_name")
        try:
            user = user_add(tenant=request.user.tenant, actor=request.user, upn=body["userPrincipalName"],
                            display_name=body["displayName"], password=profile["password"],
                            sign_in_allowed=sign_in, **fields)
        except ValidationError as exc:
            raise graph_errors(exc) from None
        return Response(render(USER, {"@odata.context": _context(request, "users/$entity"), **user_json(user)}),
                        status=status.HTTP_201_CREATED)


class UsersCountView(GraphView):
    """GET /users/$count: the number of matching users as plain text, an advanced query (ConsistencyLevel: eventual)."""

    permission_classes = [HasCapability.for_(Cap.USERS_READ)]

    def perform_content_negotiation(self, request, force=False):
        # The count answers text/plain itself; errors stay Graph's JSON whatever the client accepts.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(summary="Count users", operation_id="graph_users_count", tags=["Graph v1.0"],
                   parameters=[_USER_QUERY_PARAMETERS[name] for name in ("$filter", "$search", "ConsistencyLevel")],
                   responses={(200, "text/plain"): OpenApiTypes.STR, 400: GRAPH_ERROR})
    def get(self, request):
        condition = odata.parse_count_query(request.query_params, request.headers)
        total = User.objects.filter(tenant=request.user.tenant, deleted_at__isnull=True).filter(condition).count()
        return HttpResponse(str(total), content_type="text/plain; charset=utf-8")


class UserView(GraphView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [HasCapability.for_(Cap.USERS_READ)()]
        data = self.request.data
        if isinstance(data, dict) and set(odata.without_annotations(data)) == {"usageLocation"}:
            return [HasCapability.for_(Cap.LICENSES_MANAGE)()]  # License admins edit usage location
        return [HasCapability.for_(Cap.USERS_MANAGE)()]

    @extend_schema(summary="Get user", operation_id="graph_user_get", tags=["Graph v1.0"],
                   parameters=[_USER_QUERY_PARAMETERS["$select"]],
                   responses={200: USER, 404: GRAPH_ERROR})
    def get(self, request, key):
        select = odata.parse_select(request.query_params.get("$select"), USER_PROPERTIES)
        user = user_for(request.user.tenant, key)
        return Response(render(USER, {"@odata.context": _context(request, "users/$entity"), **user_json(user, select)}))

    @extend_schema(summary="Update user", operation_id="graph_user_update", tags=["Graph v1.0"], request=GRAPH_USER_UPDATE,
                   responses={204: None, 400: GRAPH_ERROR, 404: GRAPH_ERROR})
    def patch(self, request, key):
        user = user_for(request.user.tenant, key)
        fields, sign_in = _profile_fields(request.data)
        try:
            user_profile_update(user=user, actor=request.user, sign_in_allowed=sign_in, **fields)
        except ValidationError as exc:
            raise graph_errors(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Delete user", operation_id="graph_user_delete", tags=["Graph v1.0"],
                   description="Graph `DELETE /users/{id}`: the user moves to Deleted users for 30 days, where an "
                               "admin can restore them; their licenses are freed at once.",
                   responses={204: None, 403: GRAPH_ERROR, 404: GRAPH_ERROR})
    def delete(self, request, key):
        user = user_for(request.user.tenant, key)
        try:
            user_delete(user=user, actor=request.user)
        except ValidationError as exc:
            raise graph_errors(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


def _parse_assign_body(body, tenant, user):
    """(products to add, {product id: disabled plan names}, products to remove) from an assignLicense body."""
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object with addLicenses and removeLicenses.", code="BadRequest")
    body = odata.without_annotations(body)
    unknown = set(body) - {"addLicenses", "removeLicenses"}
    if unknown:
        raise ApiError(f"The parameter '{sorted(unknown)[0]}' in the request payload is not a valid parameter for the "
                       "operation 'assignLicense'.", code="BadRequest")
    adds, removes = body.get("addLicenses", []), body.get("removeLicenses", [])
    if not isinstance(adds, list) or not isinstance(removes, list):
        raise ApiError("addLicenses and removeLicenses must be arrays (use [] for none).")
    if not adds and not removes:
        raise ApiError("addLicenses and removeLicenses are both empty: there is nothing to change.")
    sku_ids = []
    for item in adds:
        if not isinstance(item, dict) or "skuId" not in item:
            raise ApiError("Each item of addLicenses must be an object with a skuId.")
        unknown = set(item) - {"skuId", "disabledPlans"}
        if unknown:
            raise ApiError(f"The property '{sorted(unknown)[0]}' does not exist on type 'microsoft.graph.assignedLicense'.",
                           code="BadRequest")
        sku_ids.append(_guid(item["skuId"], "skuId"))
    remove_ids = [_guid(value, "removeLicenses") for value in removes]
    subscribed = {p.pk: p for p in Product.objects.filter(
        pk__in=sku_ids + remove_ids, subscriptions__tenant=tenant).prefetch_related("service_plans")}
    for sku in sku_ids + remove_ids:
        if sku not in subscribed:
            raise ApiError(f"License {sku} does not correspond to a valid company License.")
    if len(set(sku_ids)) != len(sku_ids) or set(sku_ids) & set(remove_ids):
        raise ApiError("A skuId appears twice; add or remove each license once per request.")
    held = set(LicenseAssignment.objects.filter(user=user).values_list("product_id", flat=True))
    for sku in remove_ids:
        if sku not in held:
            raise ApiError(f"User does not have a corresponding license {sku} to remove.")
    disabled = {}
    for item, sku in zip(adds, sku_ids, strict=True):
        plan_ids = item.get("disabledPlans") or []
        if not isinstance(plan_ids, list):
            raise ApiError("disabledPlans must be an array of service plan ids.")
        plans = {plan.pk: plan.name for plan in subscribed[sku].service_plans.all()}
        names = set()
        for plan_id in plan_ids:
            guid = _guid(plan_id, "disabledPlans")
            if guid not in plans:
                name = ServicePlan.objects.filter(pk=guid).values_list("name", flat=True).first() or guid
                raise ApiError(f"Service plan {name} is not part of the license {subscribed[sku].sku_part_number}.")
            names.add(plans[guid])
        if "disabledPlans" in item or sku not in held:
            disabled[sku] = names
    return [subscribed[s] for s in sku_ids], disabled, [subscribed[s] for s in remove_ids]


class AssignLicenseView(GraphView):
    permission_classes = [HasCapability.for_(Cap.LICENSES_MANAGE)]

    @extend_schema(
        summary="user: assignLicense", operation_id="graph_user_assignLicense", tags=["Graph v1.0"],
        responses={200: USER, 400: GRAPH_ERROR, 404: GRAPH_ERROR},
        request=inline_serializer("AssignLicense", {
            "addLicenses": inline_serializer("AssignedLicense", {
                "skuId": serializers.UUIDField(), "disabledPlans": serializers.ListField(child=serializers.UUIDField())},
                many=True),
            "removeLicenses": serializers.ListField(child=serializers.UUIDField()),
        }),
        examples=[OpenApiExample("Domestic Calling Plan", value={
            "addLicenses": [{"skuId": "0dab259f-bf13-4952-b7f8-7db8f131b28d", "disabledPlans": []}],
            "removeLicenses": []})],
    )
    def post(self, request, key):
        tenant = request.user.tenant
        user = user_for(tenant, key)
        add, disabled, remove = _parse_assign_body(request.data, tenant, user)
        try:
            licenses_change(tenant=tenant, actor=request.user, users=[user], add=add, remove=remove,
                            disabled_plans=disabled)
        except ValidationError as exc:
            raise graph_errors(exc) from None
        user.refresh_from_db()
        return Response(render(USER, {"@odata.context": _context(request, "users/$entity"),
                                      **user_json(user, [*USER_PROPERTIES])}))


class LicenseDetailsView(GraphView):
    permission_classes = [HasCapability.for_(Cap.USERS_READ)]

    @extend_schema(summary="List licenseDetails", operation_id="graph_user_licenseDetails_list", tags=["Graph v1.0"],
                   responses={200: LICENSE_DETAILS, 404: GRAPH_ERROR})
    def get(self, request, key):
        user = user_for(request.user.tenant, key)
        assignments = (LicenseAssignment.objects.filter(user=user).select_related("product")
                       .prefetch_related("plans__service_plan"))
        return Response(render(LICENSE_DETAILS, {"@odata.context": _context(request, f"users('{user.pk}')/licenseDetails"),
                                                 "value": [license_details_json(a) for a in assignments]}))
