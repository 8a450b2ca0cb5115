"""GET /api/v1/reports/spend: Communications Credits spent by department (or office, usage location, job title) and
month, or by the users of one group; for admins who read the Communications Credits dashboard."""
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.permissions import HasCapability
from accounts.roles import Cap
from core.money import api_money
from core.serializers import Money, answer, render

from .periods import DASHBOARD_PRESETS, parse_date_range
from .selectors import spend

PARAMETERS = [
    OpenApiParameter("groupBy", description="department (default), office, usage_location or job_title"),
    OpenApiParameter("range", description="28, 90 (default) or 365 days, or custom with from and to"),
    OpenApiParameter("from", description="YYYY-MM-DD, with range=custom"),
    OpenApiParameter("to", description="YYYY-MM-DD, included, with range=custom"),
    OpenApiParameter("group", description="One group's key from a first answer: its users instead of the groups"),
]
_MONTHS = serializers.DictField(child=Money(), help_text="Spend per calendar month (UTC), keyed YYYY-MM.")
SPEND = answer("Spend", {
    "groupBy": serializers.ChoiceField(choices=list(spend.GROUPINGS)), "fromDate": serializers.DateField(),
    "toDate": serializers.DateField(), "months": serializers.ListField(child=serializers.CharField(help_text="YYYY-MM")),
    "value": answer("SpendRow", {
        "key": serializers.CharField(help_text="Pass as group= for this group's users"), "label": serializers.CharField(),
        "months": _MONTHS, "total": Money(), "calls": serializers.IntegerField(),
        "userId": serializers.UUIDField(required=False, help_text="With group= only"),
        "userPrincipalName": serializers.CharField(required=False, help_text="With group= only")})(many=True),
    "totals": answer("SpendTotals", {"months": _MONTHS, "total": Money(), "calls": serializers.IntegerField()})(),
    "group": answer("SpendGroup", {"key": serializers.CharField(), "label": serializers.CharField()})(
        required=False, help_text="With group= only: the group whose users these are"),
})


def _months(table, amounts):
    return {f"{month:%Y-%m}": api_money(amount) for month, amount in zip(table.months, amounts, strict=True)}


def spend_json(table, period, *, group=""):
    rows = []
    for row in table.rows:
        item = {"key": row.key, "label": row.label, "months": _months(table, row.months), "total": api_money(row.total),
                "calls": row.calls}
        if group:
            item.update({"userId": str(row.user_id), "userPrincipalName": row.upn})
        rows.append(item)
    body = {"groupBy": table.by, "fromDate": period.first_day.isoformat(), "toDate": period.last_day.isoformat(),
            "months": [f"{month:%Y-%m}" for month in table.months], "value": rows,
            "totals": {"months": _months(table, table.totals), "total": api_money(table.total), "calls": table.calls}}
    if group:
        body["group"] = {"key": group, "label": spend.group_label(table.by, group)}
    return body


class SpendView(APIView):
    token_scopes = scopes.only(scopes.Scope.BILLING_READ)
    permission_classes = [HasCapability.for_(Cap.CREDITS_DASHBOARD)]

    @extend_schema(summary="Credits spent by department, office, usage location or job title, per month",
                   tags=["Reports"], parameters=PARAMETERS, responses={200: SPEND})
    def get(self, request):
        params, tenant = request.query_params, request.user.tenant
        period = parse_date_range(params, today=timezone.now().date(), presets=DASHBOARD_PRESETS, default=90)
        by = params.get("groupBy") or "department"
        if by not in spend.GROUPINGS:
            raise ValidationError({"groupBy": f"Give groupBy as one of {', '.join(spend.GROUPINGS)}."})
        group = params.get("group", "")
        if group == spend.SERVICE:
            raise ValidationError({"group": "Calls of service numbers have no users to list."})
        if group:
            table = spend.spend_by_user(tenant=tenant, period=period, by=by, key=group)
        else:
            table = spend.spend_by_group(tenant=tenant, period=period, by=by)
        return Response(render(SPEND, spend_json(table, period, group=group)))
