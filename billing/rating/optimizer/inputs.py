"""Reading what the optimizer re-rates: the tenant's people with their licenses, their outbound calls of the window
(and of the window's first month before it, which filled the pools first) with the rate of each call's day, the
catalogue's list prices and the licenses bought and not yet assigned. Seven queries, whatever the number of calls."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import CharField
from django.db.models.functions import Cast

from accounts.models import User
from core.validation import is_whole
from licensing.models import AssignedPlan, Product
from licensing.selectors import product_lines

from ..charging import charge_for, pool_minutes_for
from ..lookup import DayRates, rate_cache
from ..models import CallRecord, CallType
from ..pools import not_pooled_plans
from ..routing import USER_OUTBOUND
from ..rules import CALLING_PLANS_BY_PRECEDENCE
from .mixes import ADJUSTABLE, Person
from .report import OptimizerInputs
from .rerate import Call, Destination

WINDOWS = (30, 90)
RERATED_CALL_TYPES = tuple(USER_OUTBOUND | {CallType.CONF_OUT})


def clean_days(value, *, field="days"):
    """The window: the last 30 or 90 days (blank: 90)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return 90
    if not is_whole(text) or int(text) not in WINDOWS:
        raise ValidationError({field: "Give days as 30 or 90: the optimizer re-rates the last 30 or 90 days of calls."})
    return int(text)


def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=UTC)


def _people(tenant):
    users = list(User.objects.filter(tenant=tenant).values_list("id", "upn", "display_name", "usage_location",
                                                                 "department"))
    plans: dict[object, set[str]] = {}
    products: dict[object, set[str]] = {}
    fixed: dict[object, set[str]] = {}
    rows = (AssignedPlan.objects.filter(tenant=tenant)
            .values_list("user_id", "service_plan__name", "enabled", "assignment__product__sku_part_number"))
    for user_id, plan, enabled, part in rows:
        if part in ADJUSTABLE:
            products.setdefault(user_id, set()).add(part)
        if enabled:
            plans.setdefault(user_id, set()).add(plan)
            if part not in ADJUSTABLE:
                fixed.setdefault(user_id, set()).add(plan)
    return {pk: Person(pk=pk, upn=upn, display_name=name, usage_location=location,
                       home_country=location or tenant.country, plans=frozenset(plans.get(pk, ())),
                       products=frozenset(products.get(pk, ())), fixed_plans=frozenset(fixed.get(pk, ())),
                       department=department)
            for pk, upn, name, location, department in users}


def _calls(tenant, people, since, first_counted, until):
    """{person: (Call, ...)} of outbound calls from `since`, counted from `first_counted`, oldest first."""
    book = rate_cache.book()
    days: dict[date, DayRates] = {}
    destinations: dict[tuple[str, str], Destination] = {}
    charges: dict[tuple[int, int], Decimal] = {}
    found: dict[object, list[Call]] = {}
    counted = 0
    # The user's key as text, matched to the people read above: building 50,000 UUID objects costs seconds.
    keys = {pk.hex: pk for pk in people}
    rows = (CallRecord.objects.filter(tenant=tenant, start_at__gte=since, start_at__lt=until,
                                      call_type__in=RERATED_CALL_TYPES, user__isnull=False)
            .annotate(user_key=Cast("user", output_field=CharField())).order_by("start_at", "id")
            .values_list("user_key", "call_type", "start_at", "duration_seconds", "callee_number", "callee_country",
                         "destination_number_type"))
    for index, (user_key, call_type, start_at, duration, callee, country, number_type) in enumerate(rows.iterator(5000)):
        pk = keys.get(user_key.replace("-", "").lower())
        if pk is None:
            continue
        day = start_at.astimezone(UTC).date()
        rates = days.get(day)
        if rates is None:
            rates = days[day] = book.rates_on(tenant=tenant, day=day)
        rate = rates.lookup(callee.lstrip("+"))
        is_counted = start_at >= first_counted
        counted += is_counted
        destination = destinations.setdefault((country, number_type), Destination(country, number_type))
        charge = None
        if rate is not None:
            charge = charges.get((rate.rate_id, duration))
            if charge is None:
                charge = charges[(rate.rate_id, duration)] = charge_for(rate=rate, duration_seconds=duration).charge.amount
        found.setdefault(pk, []).append(Call(index, pk, call_type, start_at, duration, destination, rate, is_counted,
                                             pool_minutes_for(duration), charge))
    return {pk: tuple(calls) for pk, calls in found.items()}, counted


def optimizer_inputs(*, tenant, days, today: date):
    """The tenant's inputs for the window of `days` whole UTC days before `today`."""
    last_day = today - timedelta(days=1)
    first_day = today - timedelta(days=days)
    people = _people(tenant)
    since = _day_start(first_day.replace(day=1))
    calls, counted = _calls(tenant, people, since, _day_start(first_day), _day_start(today))
    products = {part: (name, price) for part, name, price in Product.objects.filter(sku_part_number__in=ADJUSTABLE)
                .values_list("sku_part_number", "name", "list_price")}
    available = {line.product.sku_part_number: line.available for line in product_lines(tenant=tenant)}
    return OptimizerInputs(
        days=days, first_day=first_day, last_day=last_day, people=people, calls_by_user=calls, counted_calls=counted,
        prices={part: price for part, (_, price) in products.items()},
        names={part: name for part, (name, _) in products.items()}, available=available,
        not_pooled=not_pooled_plans(CALLING_PLANS_BY_PRECEDENCE))
