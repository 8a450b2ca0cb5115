"""What a person holds in a mix and the options they may move to, pure: licenses as part numbers (calling products
and Audio Conferencing use their part number as their service plan's name), plans for routing, prices for cost."""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from licensing.availability import not_available_message, plan_available_in

from ..rules import AUDIO_CONFERENCING as AUDIO_CONFERENCING  # re-exported: the report and search import it from here
from ..rules import CALLING_PLANS_BY_PRECEDENCE, COMMUNICATIONS_CREDITS, PAY_AS_YOU_GO_PLANS, TEAMS_PHONE

PAYG, DOMESTIC, DOMESTIC_INTERNATIONAL = "payg", "domestic", "domestic_international"
CALLING_OPTIONS = {
    PAYG: "Pay-As-You-Go Calling Plan with Communications Credits",
    DOMESTIC: "Domestic Calling Plan",
    DOMESTIC_INTERNATIONAL: "Domestic and International Calling Plan",
}
ADD_AUDIO_CONFERENCING, REMOVE_AUDIO_CONFERENCING = "add_audio_conferencing", "remove_audio_conferencing"
OPTION_PRODUCTS = {DOMESTIC: "MCOPSTN1", DOMESTIC_INTERNATIONAL: "MCOPSTN2"}
CALLING = frozenset(CALLING_PLANS_BY_PRECEDENCE)
# The licenses the optimizer may change; everything else a person holds stays as it is.
ADJUSTABLE = CALLING | {COMMUNICATIONS_CREDITS, AUDIO_CONFERENCING}


class NotAvailable(ValueError):
    """The option can't be given to this person; the message says why in the admin's words."""


@dataclass(frozen=True, slots=True)
class Person:
    pk: object
    upn: str
    display_name: str
    usage_location: str
    home_country: str  # the usage location, or the tenant's country (as routing reads it)
    plans: frozenset[str]  # enabled service plans now
    products: frozenset[str]  # adjustable licenses held now (part numbers)
    fixed_plans: frozenset[str]  # plans from licenses the optimizer leaves alone (suites, Teams Phone, ...)
    department: str = ""

    @property
    def has_teams_phone(self) -> bool:
        return TEAMS_PHONE in self.plans


@dataclass(frozen=True, slots=True)
class Holding:
    """What a person holds in a mix: the adjustable licenses and the plans routing sees."""

    products: frozenset[str]
    plans: frozenset[str]


def holding_now(person: Person) -> Holding:
    return Holding(person.products, person.plans)


def holding_with(person: Person, products: Iterable[str]) -> Holding:
    """The person with `products` as their adjustable licenses (their other licenses unchanged)."""
    products = frozenset(products)
    return Holding(products, person.fixed_plans | products)


def calling_product(option: str, person: Person) -> str:
    """The part number that gives `person` the calling option, or NotAvailable saying why not."""
    if not person.usage_location:
        raise NotAvailable("License assignment cannot be done for user with invalid usage location.")
    if not person.has_teams_phone:
        raise NotAvailable(f"{person.display_name} has no Teams Phone license; every Calling Plan needs one.")
    if option == PAYG:
        found = next((plan for plan in PAY_AS_YOU_GO_PLANS if plan_available_in(plan, person.usage_location)), None)
        if found is None:
            raise NotAvailable(not_available_message(CALLING_OPTIONS[PAYG], person.usage_location))
        return found
    part = OPTION_PRODUCTS[option]
    if not plan_available_in(part, person.usage_location):
        raise NotAvailable(not_available_message(CALLING_OPTIONS[option], person.usage_location))
    return part


def calling_holding(option: str, person: Person) -> Holding:
    """The person on the calling option, with Communications Credits for what the plan does not include."""
    part = calling_product(option, person)
    kept = person.products - CALLING - {COMMUNICATIONS_CREDITS}
    return holding_with(person, kept | {part, COMMUNICATIONS_CREDITS})


def audio_conferencing_holding(person: Person, holding: Holding, *, add: bool) -> Holding:
    """The holding with a standalone Audio Conferencing license added or removed."""
    if add:
        if AUDIO_CONFERENCING in holding.plans:
            raise NotAvailable(f"{person.display_name} already has Audio Conferencing.")
        if not person.usage_location:
            raise NotAvailable("License assignment cannot be done for user with invalid usage location.")
        return Holding(holding.products | {AUDIO_CONFERENCING}, holding.plans | {AUDIO_CONFERENCING})
    if AUDIO_CONFERENCING not in holding.products:
        raise NotAvailable(f"{person.display_name} has no Audio Conferencing license of its own to remove"
                           + (" (it comes with another license)." if AUDIO_CONFERENCING in holding.plans else "."))
    plans = holding.plans if AUDIO_CONFERENCING in person.fixed_plans else holding.plans - {AUDIO_CONFERENCING}
    return Holding(holding.products - {AUDIO_CONFERENCING}, plans)


def calling_options(person: Person) -> dict[str, Holding]:
    """{option: Holding} of the calling options the person can have (none without Teams Phone or a location)."""
    found: dict[str, Holding] = {}
    for option in CALLING_OPTIONS:
        try:
            found[option] = calling_holding(option, person)
        except NotAvailable:
            continue
    return found


def license_cost(holding: Holding, prices: Mapping[str, Decimal]) -> Decimal:
    """List price a month of the adjustable licenses held."""
    return sum((prices.get(part, Decimal("0")) for part in holding.products), Decimal("0.00"))


def describe(holding: Holding, names: Mapping[str, str]) -> str:
    """"Domestic Calling Plan + Audio Conferencing": the adjustable licenses by product name, calling plan first."""
    parts = sorted(holding.products - {COMMUNICATIONS_CREDITS},
                   key=lambda part: (part not in CALLING, names.get(part, part)))
    label = " + ".join(names.get(part, part) for part in parts) or "No calling or conferencing license"
    return label + (" + Communications Credits" if COMMUNICATIONS_CREDITS in holding.products else "")
