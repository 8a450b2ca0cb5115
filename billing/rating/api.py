"""GET /api/v1/rates?number=...: the rate row that prices calls to a number, with what the number is."""
import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.serializers import GRAPH_ERROR, Money, answer, render

from .lookup import rating_day
from .numbers import InvalidNumber, parse_number
from .selectors import rate_for

RATE = answer("Rate", {
    "prefix": serializers.CharField(), "destination": serializers.CharField(), "country": serializers.CharField(),
    "numberType": serializers.CharField(), "pricePerMinute": Money(help_text="Per minute, as the deck has it."),
    "connectionFee": Money(help_text="Per call, as the deck has it."), "currency": serializers.CharField(),
    "firstIncrement": serializers.IntegerField(help_text="Seconds billed first"),
    "increment": serializers.IntegerField(help_text="Seconds billed after the first increment"),
    "deckVersion": serializers.IntegerField(), "deckName": serializers.CharField(),
    "deckScope": serializers.ChoiceField(choices=["global", "tenant"]), "effectiveFrom": serializers.DateField(),
    "ratedAt": serializers.DateTimeField(),
    "number": answer("RatedNumber", {
        "e164": serializers.CharField(), "international": serializers.CharField(), "country": serializers.CharField(),
        "countryName": serializers.CharField(), "numberType": serializers.CharField()})(),
})


def rate_json(match, number, at):
    version = match.deck_version
    return {
        "prefix": match.prefix,
        "destination": match.destination,
        "country": match.country,
        "numberType": match.number_type,
        "pricePerMinute": str(match.price_per_minute.amount),
        "connectionFee": str(match.connection_fee.amount),
        "currency": match.currency,
        "firstIncrement": match.first_increment,
        "increment": match.increment,
        "deckVersion": version.id,
        "deckName": version.name,
        "deckScope": "global" if version.tenant_id is None else "tenant",
        "effectiveFrom": version.effective_from.isoformat(),
        "ratedAt": at.isoformat().replace("+00:00", "Z"),
        "number": number.as_json(),
    }


def _parse_at(raw):
    if raw is None:
        return timezone.now()
    try:
        at = datetime.datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        at = None
    if at is None or timezone.is_naive(at):
        raise ApiError(f"at: '{raw}' is not a date and time with a time zone, for example 2026-08-01T09:30:00Z.")
    try:
        return at.astimezone(datetime.UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is after datetime.max in UTC
        raise ApiError(f"at: '{raw}' is outside the supported range of dates.") from None


class RateLookupView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]

    @extend_schema(
        summary="The rate that prices calls to a number",
        parameters=[
            OpenApiParameter("number", OpenApiTypes.STR, required=True,
                             description="The dialled number in E.164, for example +442079460000 (URL-encode the '+')"),
            OpenApiParameter("at", OpenApiTypes.DATETIME,
                             description="When the call starts (default: now); the deck versions in effect then apply"),
        ],
        responses={200: RATE, 404: GRAPH_ERROR},
    )
    def get(self, request):
        raw = request.query_params.get("number", "")
        if not raw.strip():
            raise ApiError("number: give the number to rate, for example ?number=%2B442079460000.")
        at = _parse_at(request.query_params.get("at"))
        try:
            number = parse_number(raw)
        except InvalidNumber as exc:
            raise ApiError(f"number: {exc.message}")
        match = rate_for(tenant=request.user.tenant, number=number, at=at)
        if match is None:
            raise ApiError(f"No rate matches {number.e164} in the rate decks in effect on {rating_day(at):%Y-%m-%d}; "
                           "calls to it can't be rated.", code="Request_ResourceNotFound", status_code=404)
        return Response(render(RATE, rate_json(match, number, at)))
