"""/api/v1/webhooks: register endpoints, rotate their secrets, read the delivery log and replay a delivery.

The secret is in the answer to create and rotate only. Errors are Graph-style and name the camelCase field.
"""
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.serializers import GRAPH_ERROR, answer, collection, render

from . import selectors, services
from .models import WebhookDelivery

MAX_PAGE = 200


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def endpoint_json(endpoint, *, with_secret=False):
    body = {"id": str(endpoint.pk), "url": endpoint.url, "description": endpoint.description,
            "events": endpoint.events, "enabled": endpoint.enabled, "disabledReason": endpoint.disabled_reason or None,
            "failingSince": _time(endpoint.failing_since), "createdDateTime": _time(endpoint.created_at),
            "previousSecretExpiresDateTime": _time(endpoint.previous_secret_expires_at)}
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def delivery_json(delivery):
    return {"id": delivery.pk, "eventId": delivery.event_id, "eventType": delivery.event.type,
            "endpointId": str(delivery.endpoint_id), "status": delivery.status, "attempts": delivery.attempts,
            "lastStatusCode": delivery.last_status_code, "lastError": delivery.last_error or None,
            "nextAttemptDateTime": _time(delivery.next_attempt_at) if delivery.status == "pending" else None,
            "deliveredDateTime": _time(delivery.delivered_at), "createdDateTime": _time(delivery.created_at)}


def _renamed(exc):
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(exc.error_dict)  # the service's field names are the API's (url, events, description)


def _body(request):
    if not isinstance(request.data, dict):
        raise ApiError("The request body must be a JSON object.")
    return request.data


def _endpoint_or_404(request, endpoint_id):
    endpoint = selectors.endpoint_for(tenant=request.user.tenant, endpoint_id=endpoint_id)
    if endpoint is None:
        raise ApiError(f"Webhook endpoint '{endpoint_id}' does not exist in this organization.",
                       code="Request_ResourceNotFound", status_code=404)
    return endpoint


ENDPOINT = answer("WebhookEndpoint", {
    "id": serializers.UUIDField(), "url": serializers.URLField(), "description": serializers.CharField(allow_blank=True),
    "events": serializers.ListField(child=serializers.CharField()), "enabled": serializers.BooleanField(),
    "disabledReason": serializers.CharField(allow_null=True), "failingSince": serializers.DateTimeField(allow_null=True),
    "createdDateTime": serializers.DateTimeField(),
    "previousSecretExpiresDateTime": serializers.DateTimeField(
        allow_null=True, help_text="After a rotation, the old secret still signs until then."),
    "secret": serializers.CharField(required=False, help_text="In the answer to create and rotate-secret only."),
})
ENDPOINT_LIST = collection("WebhookEndpointList", ENDPOINT(), next_link=False)
DELIVERY = answer("WebhookDelivery", {
    "id": serializers.IntegerField(), "eventId": serializers.CharField(), "eventType": serializers.CharField(),
    "endpointId": serializers.UUIDField(), "status": serializers.CharField(help_text=", ".join(WebhookDelivery.Status.values)),
    "attempts": serializers.IntegerField(), "lastStatusCode": serializers.IntegerField(allow_null=True),
    "lastError": serializers.CharField(allow_null=True),
    "nextAttemptDateTime": serializers.DateTimeField(allow_null=True),
    "deliveredDateTime": serializers.DateTimeField(allow_null=True), "createdDateTime": serializers.DateTimeField(),
})
DELIVERY_LIST = collection("WebhookDeliveryList", DELIVERY(), next_link=False)


def _schema(operation_id, responses, request=OpenApiTypes.OBJECT):
    return extend_schema(operation_id=operation_id, request=request, responses=responses)


class WebhookListView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]

    @_schema("webhook_list_get", {200: ENDPOINT_LIST}, request=None)
    def get(self, request):
        return Response(render(ENDPOINT_LIST, {"value": [endpoint_json(e) for e in
                                                         selectors.endpoints_for(tenant=request.user.tenant)]}))

    @_schema("webhook_list_post", {201: ENDPOINT})
    def post(self, request):
        body = _body(request)
        try:
            endpoint = services.webhook_endpoint_create(
                tenant=request.user.tenant, url=body.get("url"), events=body.get("events"),
                description=body.get("description", ""), actor=request.user)
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(ENDPOINT, endpoint_json(endpoint, with_secret=True)), status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]

    @_schema("webhook_detail_get", {200: ENDPOINT}, request=None)
    def get(self, request, endpoint_id):
        return Response(render(ENDPOINT, endpoint_json(_endpoint_or_404(request, endpoint_id))))

    @_schema("webhook_detail_patch", {200: ENDPOINT})
    def patch(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        body = _body(request)
        unknown = sorted(set(body) - {"url", "events", "description", "enabled"})
        if unknown:
            raise ApiError(f"{unknown[0]}: not a field you can change (url, events, description, enabled).")
        try:
            endpoint = services.webhook_endpoint_update(
                tenant=request.user.tenant, endpoint=endpoint, actor=request.user, url=body.get("url"),
                events=body.get("events"), description=body.get("description"), enabled=body.get("enabled"))
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(render(ENDPOINT, endpoint_json(endpoint)))

    @_schema("webhook_detail_delete", {204: None}, request=None)
    def delete(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        services.webhook_endpoint_delete(tenant=request.user.tenant, endpoint=endpoint, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]

    @_schema("webhook_rotate_secret_post", {200: ENDPOINT}, request=None)
    def post(self, request, endpoint_id):
        endpoint = services.webhook_secret_rotate(tenant=request.user.tenant, endpoint=_endpoint_or_404(
            request, endpoint_id), actor=request.user)
        return Response(render(ENDPOINT, endpoint_json(endpoint, with_secret=True)))


class WebhookDeliveriesView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]

    @_schema("webhook_deliveries_get", {200: DELIVERY_LIST}, request=None)
    def get(self, request, endpoint_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in WebhookDelivery.Status.values:
            raise ApiError(f"status: '{wanted}' isn't a delivery status (pending, succeeded, failed).")
        rows = selectors.deliveries_for(tenant=request.user.tenant, endpoint=endpoint, status=wanted)[:MAX_PAGE]
        return Response(render(DELIVERY_LIST, {"value": [delivery_json(d) for d in rows]}))


class WebhookReplayView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)
    permission_classes = [HasCapability.for_(Cap.BILLING_MANAGE)]

    @_schema("webhook_replay_post", {200: DELIVERY, 409: GRAPH_ERROR}, request=None)
    def post(self, request, endpoint_id, delivery_id):
        endpoint = _endpoint_or_404(request, endpoint_id)
        delivery = selectors.delivery_for(tenant=request.user.tenant, delivery_id=delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint.pk:
            raise ApiError(f"Delivery '{delivery_id}' does not exist for this endpoint.",
                           code="Request_ResourceNotFound", status_code=404)
        try:
            services.webhook_delivery_replay(tenant=request.user.tenant, delivery=delivery, actor=request.user)
        except ValidationError as exc:
            raise ApiError("; ".join(exc.messages), code="Request_Conflict", status_code=409) from None
        delivery.refresh_from_db()
        return Response(render(DELIVERY, delivery_json(delivery)))
