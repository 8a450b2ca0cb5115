"""GET /api/v1/license-optimizer?days=90 (the cheapest license mix) and GET /api/v1/license-optimizer/what-if?userId=
&option=&days= (one user's change), for Billing admins. Money is a string with two decimals, a month of 30 days."""
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.models import User
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.graph_errors import ApiError
from core.money import api_money
from core.serializers import GRAPH_ERROR, Money, answer, render

from ..selectors import today_utc
from .inputs import clean_days
from .mixes import NotAvailable
from .search import WHAT_IF_OPTIONS
from .selectors import license_optimizer_report, license_what_if

DAYS = OpenApiParameter("days", int, description="30 or 90 (default 90): the whole UTC days before today re-rated")
_TOTALS = answer("LicenseOptimizerTotals", {"licenses": Money(), "credits": Money(), "total": Money()},
                 doc="A month (30 days) of license list prices and Communications Credits.")
ANSWER = answer("LicenseOptimizerAnswer", {
    "status": serializers.CharField(help_text="ok, or notEnoughHistory when the window has no calls"),
    "message": serializers.CharField(allow_blank=True), "days": serializers.IntegerField(),
    "fromDate": serializers.DateField(), "toDate": serializers.DateField(),
    # The rest only with status ok.
    "calls": serializers.IntegerField(required=False), "users": serializers.IntegerField(required=False),
    "current": _TOTALS(required=False), "recommended": _TOTALS(required=False),
    "savingPerMonth": Money(required=False),
    "changes": answer("LicenseOptimizerChange", {
        "userId": serializers.UUIDField(), "userPrincipalName": serializers.CharField(),
        "displayName": serializers.CharField(), "usageLocation": serializers.CharField(allow_null=True),
        "licensesNow": serializers.CharField(), "licensesRecommended": serializers.CharField(),
        "licenseCostNow": Money(), "licenseCostRecommended": Money(), "creditsNow": Money(),
        "creditsRecommended": Money(), "saving": Money()})(many=True, required=False),
    "licenses": answer("LicenseOptimizerLine", {
        "skuPartNumber": serializers.CharField(), "productName": serializers.CharField(), "listPrice": Money(),
        "assign": serializers.IntegerField(), "remove": serializers.IntegerField(),
        "availableNow": serializers.IntegerField(), "toBuy": serializers.IntegerField(),
        "monthlyChange": Money()})(many=True, required=False),
    "audioConferencing": answer("LicenseOptimizerAudioConferencing", {
        "licensesNow": serializers.IntegerField(), "licensesRecommended": serializers.IntegerField()})(required=False),
})
WHAT_IF = answer("LicenseWhatIf", {
    "userId": serializers.UUIDField(), "option": serializers.ChoiceField(choices=list(WHAT_IF_OPTIONS)),
    "days": serializers.IntegerField(), "licensesNow": serializers.CharField(),
    "licensesWhatIf": serializers.CharField(), "licenseCostNow": Money(), "licenseCostWhatIf": Money(),
    "creditsNow": Money(), "creditsWhatIf": Money(), "organizationNow": _TOTALS(), "organizationWhatIf": _TOTALS(),
    "organizationSaving": Money(help_text="Negative: the change costs the organization more."),
    "blockedCalls": serializers.IntegerField(help_text="Calls of the window the change would block"),
})


def _totals(totals):
    return {"licenses": api_money(totals.licenses), "credits": api_money(totals.credits), "total": api_money(totals.total)}


def _change_json(change):
    person = change.person
    return {"userId": str(person.pk), "userPrincipalName": person.upn, "displayName": person.display_name,
            "usageLocation": person.usage_location or None, "licensesNow": change.before,
            "licensesRecommended": change.after, "licenseCostNow": api_money(change.license_before),
            "licenseCostRecommended": api_money(change.license_after), "creditsNow": api_money(change.credits_before),
            "creditsRecommended": api_money(change.credits_after), "saving": api_money(change.saving)}


def report_json(report):
    body = {"status": "ok" if report.ok else "notEnoughHistory", "message": report.message, "days": report.days,
            "fromDate": report.first_day.isoformat(), "toDate": report.last_day.isoformat()}
    if not report.ok:
        return body
    return {**body, "calls": report.calls, "users": report.people, "current": _totals(report.current),
            "recommended": _totals(report.recommended), "savingPerMonth": api_money(report.saving),
            "changes": [_change_json(change) for change in report.changes],
            "licenses": [{"skuPartNumber": line.part, "productName": line.name, "listPrice": api_money(line.price),
                          "assign": line.added, "remove": line.removed, "availableNow": line.available,
                          "toBuy": line.to_buy, "monthlyChange": api_money(line.monthly_change)} for line in report.licenses],
            "audioConferencing": {"licensesNow": report.audio_conferencing[0],
                                  "licensesRecommended": report.audio_conferencing[1]}}


class LicenseOptimizerView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]

    @extend_schema(summary="The cheapest license mix for the calls of the last 30 or 90 days", tags=["Licenses"],
                   parameters=[DAYS], responses={200: ANSWER})
    def get(self, request):
        days = clean_days(request.query_params.get("days"))
        return Response(render(ANSWER, report_json(license_optimizer_report(tenant=request.user.tenant, days=days,
                                                                            today=today_utc()))))


class LicenseWhatIfView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.BILLING_READ)]

    @extend_schema(summary="What one user's license change would cost", tags=["Licenses"],
                   parameters=[DAYS, OpenApiParameter("userId", str, required=True),
                               OpenApiParameter("option", str, required=True, enum=list(WHAT_IF_OPTIONS))],
                   responses={200: WHAT_IF, 404: GRAPH_ERROR})
    def get(self, request):
        params, tenant = request.query_params, request.user.tenant
        days = clean_days(params.get("days"))
        option = params.get("option", "")
        if option not in WHAT_IF_OPTIONS:
            raise ValidationError({"option": f"Give option as one of {', '.join(WHAT_IF_OPTIONS)}."})
        try:
            user = User.objects.filter(tenant=tenant, pk=params.get("userId", "")).first()
        except ValidationError:
            user = None
        if user is None:
            raise ApiError(f"No user '{params.get('userId', '')}' in your organization.", code="Request_ResourceNotFound",
                           status_code=404)
        try:
            found = license_what_if(tenant=tenant, user=user, option=option, days=days, today=today_utc())
        except NotAvailable as exc:
            raise ApiError(str(exc), code="ProhibitedInUsageLocationViolation" if "usage location" in str(exc)
                           else "Request_BadRequest") from None
        return Response(render(WHAT_IF, {"userId": str(user.pk), "option": option, "days": days, "licensesNow": found.before,
                         "licensesWhatIf": found.after, "licenseCostNow": api_money(found.license_before),
                         "licenseCostWhatIf": api_money(found.license_after), "creditsNow": api_money(found.credits_before),
                         "creditsWhatIf": api_money(found.credits_after), "organizationNow": _totals(found.tenant_before),
                         "organizationWhatIf": _totals(found.tenant_after),
                         "organizationSaving": api_money(found.tenant_saving), "blockedCalls": found.blocked}))
