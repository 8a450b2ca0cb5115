"""What the optimizer and the what-if answer: totals a month, each person's change, the licenses to buy or free."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import CENT, ZERO

from .mixes import AUDIO_CONFERENCING, Person, describe

DAYS_A_MONTH = 30
OK, NO_CALLS = "ok", "no_calls"


@dataclass(frozen=True)
class OptimizerInputs:
    days: int
    first_day: date
    last_day: date
    people: dict  # pk -> Person
    calls_by_user: dict  # pk -> tuple of Call, oldest first
    counted_calls: int  # calls in the window
    prices: dict  # part number -> list price a month
    names: dict  # part number -> product name
    available: dict  # part number -> licenses bought and not assigned
    not_pooled: frozenset

    @property
    def months(self):
        return Decimal(self.days) / DAYS_A_MONTH

    def per_month(self, amount):
        """A window's amount as a month of 30 days."""
        return (amount * DAYS_A_MONTH / self.days).quantize(CENT)


@dataclass(frozen=True)
class Totals:
    licenses: Decimal  # list price a month of the adjustable licenses
    credits: Decimal  # credits a month for the calls

    @property
    def total(self):
        return self.licenses + self.credits


@dataclass(frozen=True)
class PersonChange:
    person: Person
    before: str
    after: str
    license_before: Decimal
    license_after: Decimal
    credits_before: Decimal
    credits_after: Decimal

    @property
    def saving(self):
        return self.license_before + self.credits_before - self.license_after - self.credits_after


@dataclass(frozen=True)
class LicenseLine:
    part: str
    name: str
    price: Decimal
    added: int
    removed: int
    available: int  # unassigned now

    @property
    def net(self):
        return self.added - self.removed

    @property
    def to_buy(self):
        return max(self.net - self.available, 0)

    @property
    def monthly_change(self):
        return self.price * self.net


@dataclass(frozen=True)
class Report:
    status: str
    message: str
    days: int
    first_day: date
    last_day: date
    calls: int = 0
    people: int = 0  # people whose calling licenses were re-rated
    current: Totals = Totals(ZERO, ZERO)
    recommended: Totals = Totals(ZERO, ZERO)
    changes: tuple = ()
    licenses: tuple = ()
    audio_conferencing: tuple = (0, 0)  # holders now, recommended

    @property
    def ok(self):
        return self.status == OK

    @property
    def saving(self):
        return self.current.total - self.recommended.total


@dataclass(frozen=True)
class WhatIf:
    person: Person
    option: str
    before: str
    after: str
    tenant_before: Totals
    tenant_after: Totals
    license_before: Decimal
    license_after: Decimal
    credits_before: Decimal
    credits_after: Decimal
    blocked: int  # calls of the window the change would block

    @property
    def tenant_saving(self):
        return self.tenant_before.total - self.tenant_after.total

    @property
    def tenant_extra_cost(self):
        return -self.tenant_saving


def totals(mix, inputs):
    return Totals(mix.licenses, inputs.per_month(mix.credits))


def person_change(pk, before_mix, after_mix, inputs):
    person = inputs.people[pk]
    license_before, credits_before = before_mix.person_costs(pk)
    license_after, credits_after = after_mix.person_costs(pk)
    return PersonChange(person, describe(before_mix.holdings[pk], inputs.names), describe(after_mix.holdings[pk], inputs.names),
                        license_before, license_after, inputs.per_month(credits_before), inputs.per_month(credits_after))


def license_lines(before_mix, after_mix, inputs):
    """Licenses the recommendation adds and frees, by product, with what is available to assign now."""
    added: dict[str, int] = {}
    removed: dict[str, int] = {}
    for pk, after in after_mix.holdings.items():
        before = before_mix.holdings[pk]
        for part in after.products - before.products:
            added[part] = added.get(part, 0) + 1
        for part in before.products - after.products:
            removed[part] = removed.get(part, 0) + 1
    parts = sorted(set(added) | set(removed), key=lambda part: inputs.names.get(part, part))
    return tuple(LicenseLine(part, inputs.names.get(part, part), inputs.prices.get(part, ZERO), added.get(part, 0),
                             removed.get(part, 0), inputs.available.get(part, 0)) for part in parts)


def build_report(before_mix, after_mix, inputs, considered):
    changed = [pk for pk, holding in after_mix.holdings.items() if holding != before_mix.holdings[pk]]
    changes = sorted((person_change(pk, before_mix, after_mix, inputs) for pk in changed),
                     key=lambda change: (-change.saving, change.person.display_name))
    current, recommended = totals(before_mix, inputs), totals(after_mix, inputs)
    saving = current.total - recommended.total
    message = (f"Re-rated {inputs.counted_calls:,} calls of the last {inputs.days} days under other license mixes: "
               + (f"the cheapest saves ${saving:,.2f} a month." if changes else "the licenses you have are the cheapest."))
    return Report(status=OK, message=message, days=inputs.days, first_day=inputs.first_day, last_day=inputs.last_day,
                  calls=inputs.counted_calls, people=considered, current=current, recommended=recommended,
                  changes=tuple(changes), licenses=license_lines(before_mix, after_mix, inputs),
                  audio_conferencing=(before_mix.holders(AUDIO_CONFERENCING), after_mix.holders(AUDIO_CONFERENCING)))


def no_calls_report(inputs):
    return Report(status=NO_CALLS, days=inputs.days, first_day=inputs.first_day, last_day=inputs.last_day,
                  message=f"Not enough history: no calls were made by your users in the last {inputs.days} days "
                          f"({inputs.first_day:%b} {inputs.first_day.day} to {inputs.last_day:%b} {inputs.last_day.day}), "
                          "so there is nothing to re-rate under other licenses yet.")

