"""Pricing a whole license mix with the real rating rules: each person's calls routed by `routing.route_call` under the
plans the mix gives them, charged by `charging`, and the minute pools filled as `services.imports` fills them (calls
in start order, a pool's capacity from the licenses the mix assigns, `pools.pool_capacity`). A mix's cost is the
list price of the adjustable licenses plus what Communications Credits pay for the calls of the window.

Calls before the window (back to the first of its first month) are re-rated too but not counted: they used the
month's pool minutes first, as they did. A `Mix` moves one person at a time and prices again only the pools the
move touches, so the search can try thousands of moves.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import chain

from ..charging import charge_for, pool_minutes_for, split_call
from ..models import MinutePool
from ..pools import pool_capacity, pool_month
from ..routing import route_call
from .mixes import Holding, Person, holding_now, license_cost

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Destination:
    """What routing reads of the number called: its country and type (the deck's type when a rate matched)."""

    country: str
    number_type: str


@dataclass(frozen=True, slots=True)
class Call:
    index: int
    user_id: object
    call_type: str
    start_at: datetime
    duration: int
    destination: Destination
    rate: object  # the RateMatch of the deck in force on the call's day, or None
    counted: bool  # in the window; calls before it only fill their month's pools


@dataclass(frozen=True, slots=True)
class Routed:
    """One person's calls under one set of plans: credits paid outside pools, blocked calls, and each pool's calls."""

    credits: Decimal
    blocked: int
    pools: dict  # (month, PoolRef) -> tuple of (Call, credits may pay the overflow)
    demand: dict  # (month, PoolRef) -> minutes asked of the pool


@dataclass(frozen=True, slots=True)
class PoolCost:
    credits: Decimal = ZERO  # overflow charged to credits, counted calls only
    by_user: dict = field(default_factory=dict)
    blocked: int = 0


EMPTY_POOL = PoolCost()


class Router:
    """Routes calls for every mix of one run, each distinct call shape once per set of plans."""

    def __init__(self, *, not_pooled):
        self.not_pooled = not_pooled
        self._routes = {}
        self._routed = {}

    def _route(self, call, plans, home, user_id):
        rate_type = call.rate.number_type if call.rate is not None else None
        key = (call.call_type, plans, home, call.destination.country, call.destination.number_type, rate_type, user_id)
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = route_call(
                call_type=call.call_type, plans=plans, home_country=home, destination=call.destination,
                number_type=rate_type, user_id=user_id, not_pooled=self.not_pooled)
        return route

    def routed(self, person: Person, calls, plans) -> Routed:
        key = (person.pk, plans)
        found = self._routed.get(key)
        if found is not None:
            return found
        credits, blocked = ZERO, 0
        pools, demand = defaultdict(list), Counter()
        # Only a plan whose minutes are each user's own needs the user in the route's key.
        user_id = person.pk if plans & self.not_pooled else None
        for call in calls:
            route = self._route(call, plans, person.home_country, user_id)
            if route.free:
                continue
            if route.is_blocked or call.rate is None:
                blocked += call.counted
            elif route.pool is None:
                if call.counted:
                    credits += charge_for(rate=call.rate, duration_seconds=call.duration).charge.amount
            else:
                pool_key = (pool_month(call.start_at), route.pool)
                pools[pool_key].append((call, route.credits))
                demand[pool_key] += pool_minutes_for(call.duration)
        found = self._routed[key] = Routed(credits, blocked, {k: tuple(v) for k, v in pools.items()}, dict(demand))
        return found


def _start_order(entry):
    return entry[0].start_at, entry[0].index


class Mix:
    """Who holds what, and the cost of it. `move` gives one person another Holding; `cost` is (money, blocked calls).
    `licenses` is the adjustable licenses' list price a month."""

    def __init__(self, *, people, calls_by_user, prices, router, months, holdings=None):
        self.people, self.calls, self.prices, self.router = people, calls_by_user, prices, router
        self.months = months  # the window in months of 30 days: licenses cost their monthly price times this
        self.holdings = {}
        self._routed = {}
        self._holders = defaultdict(Counter)  # plan -> {usage location: holders}
        self._entries = defaultdict(dict)  # pool key -> {person: entries}
        self._demand = Counter()
        self._by_plan = defaultdict(set)  # plan -> pool keys whose capacity it fills
        self._sorted = {}
        self._pool_costs = {}
        self._dirty = set()
        self.licenses = self._own_credits = self._pool_credits = ZERO
        self._own_blocked = self._pool_blocked = 0
        for pk, person in people.items():
            self._enter(pk, (holdings or {}).get(pk) or holding_now(person))

    def _enter(self, pk, holding: Holding):
        person = self.people[pk]
        self.holdings[pk] = holding
        for plan in holding.plans:
            self._holders[plan][person.usage_location] += 1
            self._dirty |= self._by_plan.get(plan, set())
        routed = self._routed[pk] = self.router.routed(person, self.calls.get(pk, ()), holding.plans)
        self.licenses += license_cost(holding, self.prices)
        self._own_credits += routed.credits
        self._own_blocked += routed.blocked
        for key, entries in routed.pools.items():
            self._entries[key][pk] = entries
            self._demand[key] += routed.demand[key]
            self._by_plan[key[1].plan].add(key)
            self._sorted.pop(key, None)
            self._dirty.add(key)

    def _leave(self, pk):
        person, holding, routed = self.people[pk], self.holdings.pop(pk), self._routed.pop(pk)
        for plan in holding.plans:
            self._holders[plan][person.usage_location] -= 1
            self._dirty |= self._by_plan.get(plan, set())
        self.licenses -= license_cost(holding, self.prices)
        self._own_credits -= routed.credits
        self._own_blocked -= routed.blocked
        for key in routed.pools:
            del self._entries[key][pk]
            self._demand[key] -= routed.demand[key]
            self._sorted.pop(key, None)
            self._dirty.add(key)

    def move(self, pk, holding):
        """Gives person `pk` another holding; returns the one they had."""
        before = self.holdings[pk]
        if holding != before:
            self._leave(pk)
            self._enter(pk, holding)
        return before

    def _capacity(self, ref):
        counts = {(ref.plan, location): n for location, n in self._holders[ref.plan].items() if n}
        owner = self.holdings.get(ref.user_id) if ref.kind == MinutePool.Kind.PER_USER else None
        return pool_capacity(tenant=None, ref=ref, user_plans=owner.plans if owner else frozenset(), counts=counts)

    def _price_pool(self, key):
        users = self._entries.get(key)
        if not users:
            return EMPTY_POOL
        left = self._capacity(key[1])
        if self._demand[key] <= left:
            return EMPTY_POOL
        entries = self._sorted.get(key)
        if entries is None:
            entries = self._sorted[key] = sorted(chain.from_iterable(users.values()), key=_start_order)
        credits, blocked, by_user = ZERO, 0, defaultdict(lambda: ZERO)
        for call, may_pay in entries:
            if call.rate is None and left < pool_minutes_for(call.duration):
                blocked += call.counted
                continue
            split = split_call(rate=call.rate, duration_seconds=call.duration, pool_minutes_available=left)
            if split.credit_seconds and not may_pay:
                blocked += call.counted  # refused whole, as the import refuses it: it takes no pool minutes
                continue
            left -= split.pool_minutes
            if call.counted and split.credit_seconds:
                charge = split.credit.charge.amount
                credits += charge
                by_user[call.user_id] += charge
        return PoolCost(credits, dict(by_user), blocked)

    def _settle(self):
        for key in self._dirty:
            old = self._pool_costs.get(key, EMPTY_POOL)
            new = self._price_pool(key)
            self._pool_costs[key] = new
            self._pool_credits += new.credits - old.credits
            self._pool_blocked += new.blocked - old.blocked
        self._dirty.clear()

    @property
    def credits(self):
        self._settle()
        return self._own_credits + self._pool_credits

    def cost(self):
        """(licenses for the window + credits of the window's calls, calls the mix would block)."""
        self._settle()
        return (self.licenses * self.months + self._own_credits + self._pool_credits,
                self._own_blocked + self._pool_blocked)

    def person_costs(self, pk):
        """(license cost a month, credits of the person's calls in the window, pool overflow included)."""
        self._settle()
        routed = self._routed[pk]
        overflow = sum((self._pool_costs.get(key, EMPTY_POOL).by_user.get(pk, ZERO) for key in routed.pools), ZERO)
        return license_cost(self.holdings[pk], self.prices), routed.credits + overflow

    def holders(self, plan):
        return sum(self._holders[plan].values())
