"""GET /api/v1/credits/recharge-advice: the recharge advisor's recommendation and its 12-month comparison."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.money import api_money
from core.serializers import render

from . import api_schema as schema
from .advice import CURRENT, FUNDING_TABLE, RECOMMENDED
from .api import MODES, CreditsApiView
from .recharge.selectors import recharge_advice_for
from .rules import clean_cover_days

PLAN_NAMES = {CURRENT: "current", RECOMMENDED: "recommended", FUNDING_TABLE: "fundingTable"}


def _rule_json(rule):
    if rule is None:
        return None
    return {"mode": MODES[rule.mode], "triggerAmount": api_money(rule.trigger), "rechargeAmount": api_money(rule.amount),
            "targetBalance": api_money(rule.target), "monthlyCap": api_money(rule.monthly_cap)}


def _plan_json(plan):
    found = plan.outcome
    return {"plan": PLAN_NAMES[plan.label], "label": plan.label, "autoRecharge": _rule_json(plan.rule),
            "oneTimeAmount": api_money(plan.one_time), "recharges": found.recharges, "charged": api_money(found.charged),
            "forfeited": api_money(found.forfeited_total), "lowestBalance": api_money(found.lowest_balance),
            "unpaidCalls": api_money(found.shortfall), "endingBalance": api_money(found.ending_balance),
            "cappedMonths": found.capped_months}


def advice_json(advice):
    recommendation = None
    if advice.ok:
        recommendation = {"mode": MODES["fixed"], "triggerAmount": api_money(advice.trigger),
                          "rechargeAmount": api_money(advice.recharge_amount), "oneTimeAmount": api_money(advice.one_time)}
    return {"status": "ok" if advice.ok else "notEnoughHistory", "message": advice.message,
            "daysOfCover": advice.cover_days, "historyDays": advice.history_days,
            "historyTotal": api_money(advice.history_total),
            "averageDailyBurn": api_money(advice.average_daily_burn) if advice.ok else None,
            "coverAmount": api_money(advice.cover_burn) if advice.ok else None, "recommendation": recommendation,
            "horizonDays": advice.horizon_days, "comparison": [_plan_json(plan) for plan in advice.plans]}


class RechargeAdviceView(CreditsApiView):
    """GET /api/v1/credits/recharge-advice?daysOfCover=14 (Billing admins)."""

    @extend_schema(summary="Recharge advice from the last 90 days of usage", tags=["Credits"],
                   parameters=schema.ADVICE_PARAMETERS, responses={200: schema.RECHARGE_ADVICE, 400: schema.GRAPH_ERROR})
    def get(self, request):
        cover_days = clean_cover_days(request.query_params.get("daysOfCover"), field="daysOfCover")
        advice = recharge_advice_for(tenant=request.user.tenant, now=timezone.now(), cover_days=cover_days)
        return Response(render(schema.RECHARGE_ADVICE, advice_json(advice)))
