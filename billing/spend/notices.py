"""The 80% and 100% notices of a user's monthly spend: an email to the billing admins once a month each, and the
`spend_limit.reached` webhook. Sent after charges, by the live call path and the batch import alike through
`spend_limit_notices` (and when a call is refused at the limit)."""
from accounts.models import User
from billing.credits.services.balance_events import notify_safely
from billing.notifications.events import Event
from billing.webhooks.events import EventType
from billing.webhooks.services import webhook_emit

from .limits import month_start


def _user_facts(user_id):
    return User.objects.filter(pk=user_id).values("display_name", "upn").first() or {"display_name": "", "upn": ""}


def spend_thresholds_crossed(*, limit, before, after):
    """The thresholds (80, 100) a charge moved the month's spend across, lowest first."""
    if limit is None or after <= before:
        return []
    crossed = []
    for percent in (80, 100):
        level = limit * percent / 100
        if before < level <= after or (limit == 0 and percent == 100 and before == 0):
            crossed.append(percent)
    return crossed


def spend_limit_notices(*, tenant, user_id, limit, spent, charged, at):
    """The one rule of both charging paths (a completed call, an imported batch): the user's month now stands at
    `spent`, `charged` of it just charged; sends the notices of the thresholds that moved it across."""
    for percent in spend_thresholds_crossed(limit=limit, before=spent - charged, after=spent):
        spend_limit_notify(tenant=tenant, user_id=user_id, limit=limit, spent=spent, percent=percent, at=at)


def spend_limit_notify(*, tenant, user_id, limit, spent, percent, at):
    """Sends the `percent` notice of the user's month (once: the period key names the user and the month)."""
    month = month_start(at)
    facts = _user_facts(user_id)
    context = {"user_display_name": facts["display_name"] or facts["upn"], "user_principal_name": facts["upn"],
               "spent": spent, "limit": limit, "month": f"{month:%B %Y}"}
    event = Event.SPEND_LIMIT_100 if percent >= 100 else Event.SPEND_LIMIT_80
    notify_safely(tenant=tenant, event=event, context=context, period_key=f"spend:{user_id}:{month:%Y-%m}")
    if percent >= 100:
        spend_limit_reached_webhook(tenant=tenant, user_id=user_id, limit=limit, spent=spent, at=at)


def spend_limit_reached_webhook(*, tenant, user_id, limit, spent, at):
    month = month_start(at)
    facts = _user_facts(user_id)
    webhook_emit(tenant=tenant, type=EventType.SPEND_LIMIT_REACHED, source_key=f"{user_id}:{month:%Y-%m}",
                 data={"user_id": user_id, "user_principal_name": facts["upn"], "limit": limit, "spent": spent,
                       "month": f"{month:%Y-%m}"})
