"""The recharge advisor's comparison as the auto-recharge panel shows it: a column per plan, a row per figure."""
from dataclasses import dataclass

from billing.credits.advice import FUNDING_TABLE
from billing.credits.recharge.rule import TOP_UP
from core.money import money_text


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple
    help: str = ""


def settings_text(rule, one_time):
    """"Below $200, add $500", "Below $200, top up to $800", "Off", with the limit and a one-time amount."""
    if rule is None:
        text = "Off"
    elif rule.mode == TOP_UP:
        text = f"Below {money_text(rule.trigger, whole=True)}, top up to {money_text(rule.target, whole=True)}"
    else:
        text = f"Below {money_text(rule.trigger, whole=True)}, add {money_text(rule.amount, whole=True)}"
    if rule is not None and rule.monthly_cap:
        text += f", at most {money_text(rule.monthly_cap, whole=True)} a month"
    if one_time:
        text += f"; {money_text(one_time, whole=True)} now"
    return text


def advice_rows(advice):
    """{"headings": [...], "rows": [Row]} for the advice's plans, or None when it has no recommendation."""
    if not advice.ok:
        return None
    plans = advice.plans
    outcomes = [plan.outcome for plan in plans]

    def money(values):
        return tuple(money_text(value) for value in values)

    headings = [f"Recommended for {advice.funding.users_label.lower()} users" if plan.label == FUNDING_TABLE and advice.funding
                else plan.label for plan in plans]
    rows = [
        Row("Settings", tuple(settings_text(plan.rule, plan.one_time) for plan in plans)),
        Row("Recharges", tuple(str(found.recharges) for found in outcomes)),
        Row("Charged to your payment method", money(found.charged for found in outcomes),
            "One-time amount and recharges."),
        Row("Money forfeited", money(found.forfeited_total for found in outcomes),
            "Funds that expire unused, including funds bought in these 12 months that your usage won't spend in time."),
        Row("Lowest balance", money(found.lowest_balance for found in outcomes)),
        Row("Calls that couldn't be paid", money(found.shortfall for found in outcomes),
            "Usage the balance couldn't cover: these calls would be blocked."),
    ]
    return {"headings": headings, "rows": rows}
