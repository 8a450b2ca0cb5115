"""What users' calls cost in a month, for the 80%/100% notices after charges (billing/spend/notices.py): the month's
spend of one user after a completed call (plain SQL, on the call path), and for an imported batch the limits of its
users and their months' spend, each in one query."""
import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal

from billing.rating.models import CallRecord
from core import sql
from core.money import MoneySum, db_money

from .limits import _sum, effective_limit, month_start
from .models import CallingPolicy, UserCallingPolicy

ZERO = Decimal("0.00")

_SPENT = sql.Statement(lambda: (  # the model's own table and column names only
    f"SELECT {_sum(CallRecord, 'charge')} FROM {sql.table(CallRecord)} "  # noqa: S608
    f"WHERE {sql.column(CallRecord, 'user')} = %s AND {sql.column(CallRecord, 'tenant')} = %s "
    f"AND {sql.column(CallRecord, 'start_at')} >= %s AND {sql.column(CallRecord, 'start_at')} < %s"))


def _month_end(start: datetime.datetime) -> datetime.datetime:
    return (start + datetime.timedelta(days=32)).replace(day=1)


def user_month_spent(*, tenant, user_id, at: datetime.datetime) -> Decimal:
    """What credits paid for the user's calls that started in `at`'s month (limits.spent_and_held without the holds:
    a completed call's notices need no more)."""
    start = month_start(at)
    value = _SPENT.rows([
        sql.db_value(CallRecord, "user", user_id), sql.db_value(CallRecord, "tenant", tenant.pk),
        sql.db_value(CallRecord, "start_at", start), sql.db_value(CallRecord, "start_at", _month_end(start))])[0][0]
    return db_money(value) or ZERO


def user_limits(*, tenant, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    """{user id: monthly limit} of those of `user_ids` whose calls have a limit now, in two queries."""
    user_ids = set(user_ids)
    policy = CallingPolicy.objects.filter(tenant=tenant).values("enable_spend_limits", "user_spend_limit").first()
    if not user_ids or policy is None or not policy["enable_spend_limits"]:
        return {}
    own = dict(UserCallingPolicy.objects.filter(tenant=tenant, user_id__in=user_ids, spend_limit__isnull=False)
               .values_list("user_id", "spend_limit"))
    limits = {}
    for user_id in user_ids:
        limit = effective_limit(enabled=True, tenant_limit=policy["user_spend_limit"], user_limit=own.get(user_id))
        if limit is not None:
            limits[user_id] = limit
    return limits


def month_spent(*, tenant, user_ids: Iterable[uuid.UUID], month: datetime.datetime) -> dict[uuid.UUID, Decimal]:
    """{user id: what credits paid for their calls that started in the month beginning at `month`}, in one query."""
    rows = (CallRecord.objects.filter(tenant=tenant, user_id__in=set(user_ids), start_at__gte=month,
                                      start_at__lt=_month_end(month))
            .values("user_id").annotate(spent=MoneySum("charge")).values_list("user_id", "spent"))
    return {user_id: db_money(spent) or ZERO for user_id, spent in rows}
