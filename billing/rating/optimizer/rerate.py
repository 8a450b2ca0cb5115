"""Pricing a whole license mix with the real rating rules: each person's calls routed by `routing.route_call` under the
plans the mix gives them, charged by `charging`, and the minute pools filled as `services.imports` fills them (calls
in start order, a pool's capacity from the licenses the mix assigns, `pools.pool_capacity`). A mix's cost is the
list price of the adjustable licenses over the window plus what Communications Credits pay for its calls.

Calls before the window (back to the first of its first month) are re-rated too but not counted: they used the
month's pool minutes first, as they did. A `Mix` moves one person at a time and prices again only the pools the
move touches, so the search can try thousands of moves. A pool is priced by walking its calls in start order
(`_walk`, the import's own loop); when every call in it may overflow to credits, by a binary search of its running
minutes instead (`_Line.price`): the same answer, tested against the walk in tests/rating/test_optimizer_rerate.py.
"""
import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.money import ZERO

from ..charging import split_call
from ..models import MinutePool
from ..pools import pool_capacity, pool_month
from ..routing import route_call
from ..rules import pool_country
from .mixes import Holding, Person, holding_now, license_cost


@dataclass(frozen=True, slots=True)
class Destination:
    """What routing reads of the number called: its country and type (the deck's type when a rate matched)."""

    country: str
    number_type: str


@dataclass(frozen=True, slots=True)
class Call:
    index: int  # the call's rank in start order among the run's calls
    user_id: object
    call_type: str
    start_at: datetime
    duration: int
    destination: Destination
    rate: object  # the RateMatch of the deck in force on the call's day, or None
    counted: bool  # in the window; calls before it only fill their month's pools
    minutes: int  # whole minutes a pool gives it
    charge: Decimal | None  # what credits pay for all of it (connection fee included); None without a rate


@dataclass(frozen=True, slots=True)
class Routed:
    """One person's calls under one set of plans: credits paid outside pools, blocked calls, each pool's calls (as
    runs of (credits may pay its overflow, calls in start order)) and minutes."""

    credits: Decimal
    blocked: int
    pools: dict
    demand: dict


@dataclass(frozen=True, slots=True)
class PoolCost:
    credits: Decimal = ZERO  # overflow charged to credits, counted calls only
    blocked: int = 0
    by_user: dict = field(default_factory=dict)


EMPTY_POOL = PoolCost()


def _shape(call):
    rate_type = call.rate.number_type if call.rate is not None else None
    return call.call_type, call.destination.country, call.destination.number_type, rate_type


class Router:
    """Routes calls for every mix of one run: each distinct kind of call of a person once per set of plans."""

    def __init__(self, *, not_pooled):
        self.not_pooled = not_pooled
        self._routed = {}
        self._shapes = {}

    def _shapes_of(self, person, calls):
        """{shape: (first call, calls counted, their charges, {month: (calls, minutes)})} of a person's calls."""
        found = self._shapes.get(person.pk)
        if found is None:
            groups = defaultdict(list)
            for call in calls:
                groups[_shape(call)].append(call)
            found = self._shapes[person.pk] = []
            for members in groups.values():
                months = defaultdict(list)
                for call in members:
                    months[pool_month(call.start_at)].append(call)
                counted = [call for call in members if call.counted]
                found.append((members[0], len(counted), sum((c.charge or ZERO for c in counted), ZERO),
                              {month: (tuple(group), sum(c.minutes for c in group)) for month, group in months.items()}))
        return found

    def routed(self, person: Person, calls, plans) -> Routed:
        key = (person.pk, plans)
        found = self._routed.get(key)
        if found is not None:
            return found
        credits, blocked = ZERO, 0
        pools: defaultdict[tuple, list] = defaultdict(list)
        demand: Counter[tuple] = Counter()
        user_id = person.pk if plans & self.not_pooled else None  # only a plan of one's own minutes needs the user
        for first, counted, charges, months in self._shapes_of(person, calls):
            route = route_call(call_type=first.call_type, plans=plans, home_country=person.home_country,
                               destination=first.destination,
                               number_type=first.rate.number_type if first.rate is not None else None,
                               user_id=user_id, not_pooled=self.not_pooled)
            if route.free:
                continue
            if route.is_blocked or first.rate is None:
                blocked += counted
            elif route.pool is None:
                credits += charges
            else:
                for month, (group, minutes) in months.items():
                    pools[(month, route.pool)].append((route.credits, group))
                    demand[(month, route.pool)] += minutes
        found = self._routed[key] = Routed(credits, blocked, dict(pools), dict(demand))
        return found


class _Line:
    """A pool's calls merged in start order, with their running minutes and the charges after each (counted calls)."""

    def __init__(self, people_runs):
        self.entries = sorted((call.index, call, may_pay) for runs in people_runs for may_pay, group in runs
                              for call in group)
        # The binary search needs every call to be able to overflow to credits at its full charge.
        self.general = any(not may_pay or call.charge is None for _, call, may_pay in self.entries)
        self.running, self.after = [], []
        if not self.general:
            total = 0
            for _, call, _ in self.entries:
                total += call.minutes
                self.running.append(total)
            tail = ZERO
            for _, call, _ in reversed(self.entries):
                self.after.append(tail)
                tail += call.charge if call.counted else ZERO
            self.after.reverse()

    def price(self, capacity):
        """Credits for the counted calls with `capacity` minutes: calls while the minutes last are the pool's, the
        first call beyond is split (split_call), every later one is charged in full."""
        boundary = bisect.bisect_right(self.running, capacity)
        if boundary == len(self.entries):
            return ZERO
        _, call, _ = self.entries[boundary]
        used = self.running[boundary - 1] if boundary else 0
        split = split_call(rate=call.rate, duration_seconds=call.duration, pool_minutes_available=capacity - used)
        return (split.credit.charge.amount if call.counted else ZERO) + self.after[boundary]


def _walk(entries, left):
    """The import's loop (services.imports._apply): each call in start order takes the pool's minutes while they
    last; what a call can't pay with them is charged to credits, or the call is refused whole when credits may not
    pay. Returns the PoolCost with each person's share."""
    credits, blocked = ZERO, 0
    by_user: defaultdict[object, Decimal] = defaultdict(lambda: ZERO)
    for _, call, may_pay in entries:
        if call.rate is None and left < call.minutes:
            blocked += call.counted
            continue
        split = split_call(rate=call.rate, duration_seconds=call.duration, pool_minutes_available=left)
        if split.credit_seconds and not may_pay:
            blocked += call.counted  # refused whole, as the import refuses it: it takes no pool minutes
            continue
        left -= split.pool_minutes
        if call.counted and split.credit_seconds:
            credits += split.credit.charge.amount
            by_user[call.user_id] += split.credit.charge.amount
    return PoolCost(credits, blocked, dict(by_user))


class Mix:
    """Who holds what, and the cost of it. `move` gives one person another Holding; `cost` is (money, blocked calls).
    `licenses` is the adjustable licenses' list price a month."""

    def __init__(self, *, people, calls_by_user, prices, router, months, holdings=None):
        self.people, self.calls, self.prices, self.router = people, calls_by_user, prices, router
        self.months = months  # the window in months of 30 days: licenses cost their monthly price times this
        self.holdings = {}
        self._routed = {}
        self._holders = defaultdict(Counter)  # plan -> {usage location: holders}
        self._entries: defaultdict[tuple, dict] = defaultdict(dict)  # pool key -> {person: runs}
        self._demand: Counter[tuple] = Counter()
        self._by_capacity = defaultdict(set)  # (plan, pool country) -> pool keys its holders fill
        self._lines = {}
        self._pool_costs = {}
        self._dirty = set()
        self.licenses = self._own_credits = self._pool_credits = ZERO
        self._own_blocked = self._pool_blocked = 0
        for pk, person in people.items():
            self._enter(pk, (holdings or {}).get(pk) or holding_now(person))

    def _capacity_changed(self, plan, location):
        self._dirty |= self._by_capacity.get((plan, pool_country(location)), set())
        self._dirty |= self._by_capacity.get((plan, ""), set())

    def _enter(self, pk, holding: Holding):
        person = self.people[pk]
        self.holdings[pk] = holding
        for plan in holding.plans:
            self._holders[plan][person.usage_location] += 1
            self._capacity_changed(plan, person.usage_location)
        routed = self._routed[pk] = self.router.routed(person, self.calls.get(pk, ()), holding.plans)
        self.licenses += license_cost(holding, self.prices)
        self._own_credits += routed.credits
        self._own_blocked += routed.blocked
        for key, runs in routed.pools.items():
            self._entries[key][pk] = runs
            self._demand[key] += routed.demand[key]
            self._by_capacity[(key[1].plan, key[1].country)].add(key)
            self._lines.pop(key, None)
            self._dirty.add(key)

    def _leave(self, pk):
        person, holding, routed = self.people[pk], self.holdings.pop(pk), self._routed.pop(pk)
        for plan in holding.plans:
            self._holders[plan][person.usage_location] -= 1
            self._capacity_changed(plan, person.usage_location)
        self.licenses -= license_cost(holding, self.prices)
        self._own_credits -= routed.credits
        self._own_blocked -= routed.blocked
        for key in routed.pools:
            del self._entries[key][pk]
            self._demand[key] -= routed.demand[key]
            self._lines.pop(key, None)
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

    def _line(self, key):
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line(self._entries[key].values())
        return line

    def _price_pool(self, key, *, by_user=False):
        if not self._entries.get(key):
            return EMPTY_POOL
        capacity = self._capacity(key[1])
        if self._demand[key] <= capacity:
            return EMPTY_POOL
        line = self._line(key)
        if line.general or by_user:
            return _walk(line.entries, capacity)
        return PoolCost(line.price(capacity))

    def _settle(self):
        for key in self._dirty:
            old = self._pool_costs.get(key, EMPTY_POOL)
            new = self._pool_costs[key] = self._price_pool(key)
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
        routed = self._routed[pk]
        overflow = sum((self._price_pool(key, by_user=True).by_user.get(pk, ZERO) for key in routed.pools), ZERO)
        return license_cost(self.holdings[pk], self.prices), routed.credits + overflow

    def holders(self, plan):
        return sum(self._holders[plan].values())
