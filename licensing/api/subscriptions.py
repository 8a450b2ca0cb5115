"""/api/v1/subscriptions: the tenant's subscriptions, and buying licenses of a product by part number."""
import uuid

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError

from ..models import Product
from ..selectors import subscriptions_with_usage
from ..services import subscription_buy
from .graph import GRAPH_ERROR, graph_errors
from .representations import subscription_json


class SubscriptionSerializer(serializers.Serializer):
    """One subscription as the API answers it: the answer is written by this serializer, which the schema shows."""

    id = serializers.IntegerField()
    skuId = serializers.UUIDField()  # noqa: N815 (the API's camelCase names)
    skuPartNumber = serializers.CharField()  # noqa: N815
    productName = serializers.CharField()  # noqa: N815
    status = serializers.CharField()
    capabilityStatus = serializers.CharField()  # noqa: N815
    totalLicenses = serializers.IntegerField()  # noqa: N815
    assignedLicenses = serializers.IntegerField()  # noqa: N815
    availableLicenses = serializers.IntegerField()  # noqa: N815
    pricePerLicensePerMonth = serializers.JSONField()  # noqa: N815
    startDate = serializers.DateField()  # noqa: N815
    renewalDate = serializers.DateField(allow_null=True)  # noqa: N815


class SubscriptionListSerializer(serializers.Serializer):
    value = SubscriptionSerializer(many=True)


SUBSCRIPTION = SubscriptionSerializer


class SubscriptionsView(APIView):
    token_scopes = scopes.reads_and_writes(scopes.Scope.BILLING_READ, scopes.Scope.BILLING_WRITE)

    def get_permissions(self):
        return [HasCapability.for_(Cap.BILLING_READ if self.request.method == "GET" else Cap.BILLING_MANAGE)()]

    @extend_schema(summary="List subscriptions", tags=["Subscriptions"],
                   responses={200: SubscriptionListSerializer})
    def get(self, request):
        subscriptions = subscriptions_with_usage(tenant=request.user.tenant)
        return Response(SubscriptionListSerializer({"value": [subscription_json(s) for s in subscriptions]}).data)

    @extend_schema(
        summary="Buy licenses", tags=["Subscriptions"],
        description="Adds `quantity` licenses of the product (creating the subscription at list price the first "
                    "time). Send an `Idempotency-Key` header to make a retry safe: a repeated key buys nothing.",
        request=inline_serializer("BuyLicenses", {"skuPartNumber": serializers.CharField(),
                                                  "quantity": serializers.IntegerField(min_value=1)}),
        responses={201: SUBSCRIPTION, 400: GRAPH_ERROR},
        examples=[OpenApiExample("Ten Domestic Calling Plans", value={"skuPartNumber": "MCOPSTN1", "quantity": 10})],
    )
    def post(self, request):
        body = request.data
        if not isinstance(body, dict):
            raise ApiError("The request body must be a JSON object with skuPartNumber and quantity.")
        part = body.get("skuPartNumber")
        if not isinstance(part, str) or not part.strip():
            raise ApiError("Property 'skuPartNumber' is required (for example MCOPSTN1).")
        product = Product.objects.filter(sku_part_number=part.strip().upper()).first()
        if product is None:
            raise ApiError(f"'{part}' is not the SKU part number of a product in the catalogue.")
        quantity = body.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise ApiError("Property 'quantity' must be a whole number of licenses, 1 or more.")
        key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
        try:
            subscription = subscription_buy(tenant=request.user.tenant, product=product, quantity=quantity,
                                            actor=request.user, idempotency_key=key)
        except ValidationError as exc:
            raise graph_errors(exc) from None
        subscription = subscriptions_with_usage(tenant=request.user.tenant).get(pk=subscription.pk)
        return Response(SubscriptionSerializer(subscription_json(subscription)).data, status=status.HTTP_201_CREATED)

