"""Finding the cheapest license mix for the tenant, and the what-if of one person's change.

Calling licenses: a local search from two starting mixes (what the tenant has, and everyone who can on
Pay-As-You-Go): each person in turn moves to the calling option that lowers the tenant's whole cost most (licenses a
month over the window plus every credit its calls cost, pools shared), never blocking a call the mix did not; passes
repeat until no move helps, and the cheaper end wins. Audio Conferencing: every assigned license adds the same
minutes to the tenant's dial-out pool, so what matters is how many; licenses of people who don't dial out are taken
away one at a time, else licenses are added one at a time, keeping the count that costs least.
"""
from decimal import Decimal

from .mixes import (
    ADD_AUDIO_CONFERENCING,
    AUDIO_CONFERENCING,
    CALLING,
    CALLING_OPTIONS,
    PAYG,
    REMOVE_AUDIO_CONFERENCING,
    NotAvailable,
    audio_conferencing_holding,
    calling_holding,
    calling_options,
    describe,
    holding_now,
)
from .report import OptimizerInputs, Report, WhatIf, build_report, no_calls_report, totals
from .rerate import Mix, Router

HALF_CENT = Decimal("0.005")
MAX_PASSES = 8
WHAT_IF_OPTIONS = {**CALLING_OPTIONS, ADD_AUDIO_CONFERENCING: "Add Audio Conferencing",
                   REMOVE_AUDIO_CONFERENCING: "Remove Audio Conferencing"}


def _mix(inputs, router, holdings=None):
    return Mix(people=inputs.people, calls_by_user=inputs.calls_by_user, prices=inputs.prices, router=router,
               months=inputs.months, holdings=holdings)


def _order(inputs):
    return sorted(inputs.people, key=lambda pk: (inputs.people[pk].display_name, str(pk)))


def calling_choices(inputs):
    """{person: [their holding now, then each calling option they can have]} for people with Teams Phone who hold a
    calling license or made calls."""
    choices = {}
    for pk, person in inputs.people.items():
        if not person.has_teams_phone or not (person.products & CALLING or inputs.calls_by_user.get(pk)):
            continue
        options = [holding for holding in calling_options(person).values() if holding != holding_now(person)]
        if options:
            choices[pk] = [holding_now(person), *options]
    return choices


def improve(mix, choices, order):
    """Best-improvement local search over each person's choices until a pass changes nothing."""
    for _ in range(MAX_PASSES):
        improved = False
        for pk in order:
            if pk not in choices:
                continue
            here = mix.holdings[pk]
            cost, blocked = mix.cost()
            best, best_cost = None, cost - HALF_CENT
            for holding in choices[pk]:
                if holding == here:
                    continue
                mix.move(pk, holding)
                trial, trial_blocked = mix.cost()
                if trial_blocked <= blocked and trial < best_cost:
                    best, best_cost = holding, trial
                mix.move(pk, here)
            if best is not None:
                mix.move(pk, best)
                improved = True
        if not improved:
            return mix
    return mix


def _scan(mix, people, candidates, *, add):
    """Adds (or takes away) Audio Conferencing one person at a time, keeping the count that cost least; stops when
    a step no longer changes what credits pay. Returns how many changed."""
    best_cost, blocked = mix.cost()
    kept, tried = [], []
    for pk in candidates:
        credits = mix.credits
        before = mix.move(pk, audio_conferencing_holding(people[pk], mix.holdings[pk], add=add))
        cost, now_blocked = mix.cost()
        if now_blocked > blocked:  # this person dials out: they keep their license
            mix.move(pk, before)
            continue
        tried.append((pk, before))
        if cost < best_cost - HALF_CENT:
            best_cost, kept = cost, list(tried)
        elif add and mix.credits == credits:
            break
    for pk, before in tried[len(kept):]:
        mix.move(pk, before)
    return len(kept)


def settle_audio_conferencing(mix, inputs, order):
    people = inputs.people
    removable = [pk for pk in order if AUDIO_CONFERENCING in mix.holdings[pk].products]
    if _scan(mix, people, removable, add=False):
        return mix
    addable = [pk for pk in order if AUDIO_CONFERENCING not in mix.holdings[pk].plans and people[pk].usage_location]
    _scan(mix, people, addable, add=True)
    return mix


def optimize(inputs: OptimizerInputs) -> Report:
    """The Report of the cheapest mix found for the tenant's calls of the window."""
    if not inputs.counted_calls:
        return no_calls_report(inputs)
    router = Router(not_pooled=inputs.not_pooled)
    order = _order(inputs)
    choices = calling_choices(inputs)
    current = _mix(inputs, router)
    ends = [improve(_mix(inputs, router), choices, order)]
    payg = {pk: found for pk in choices if (found := calling_options(inputs.people[pk]).get(PAYG)) is not None}
    ends.append(improve(_mix(inputs, router, payg), choices, order))
    best = min(ends, key=lambda mix: mix.cost()[::-1])  # fewest blocked calls, then cheapest
    settle_audio_conferencing(best, inputs, order)
    (cost, blocked), (cost_now, blocked_now) = best.cost(), current.cost()
    if blocked > blocked_now or cost > cost_now - HALF_CENT:
        best = current  # nothing cheaper was found: recommend no change
    return build_report(current, best, inputs, considered=len(choices))


def what_if(inputs: OptimizerInputs, *, pk: object, option: str) -> WhatIf:
    """What changing one person's licenses would do to their costs and the tenant's (pools shared). Raises
    NotAvailable when the person can't have the option (usage location, no Teams Phone, ...)."""
    if option not in WHAT_IF_OPTIONS:
        raise NotAvailable(f"Choose one of: {', '.join(WHAT_IF_OPTIONS.values())}.")
    person = inputs.people[pk]
    router = Router(not_pooled=inputs.not_pooled)
    before = _mix(inputs, router)
    after = _mix(inputs, router)
    if option in CALLING_OPTIONS:
        holding = calling_holding(option, person)
    else:
        holding = audio_conferencing_holding(person, holding_now(person), add=option == ADD_AUDIO_CONFERENCING)
    after.move(pk, holding)
    license_before, credits_before = before.person_costs(pk)
    license_after, credits_after = after.person_costs(pk)
    return WhatIf(person=person, option=WHAT_IF_OPTIONS[option], before=describe(before.holdings[pk], inputs.names),
                  after=describe(holding, inputs.names), tenant_before=totals(before, inputs),
                  tenant_after=totals(after, inputs), license_before=license_before, license_after=license_after,
                  credits_before=inputs.per_month(credits_before), credits_after=inputs.per_month(credits_after),
                  blocked=max(after.cost()[1] - before.cost()[1], 0))
