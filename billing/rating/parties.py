"""Who and what is on a call: the tenant's user, their licenses and numbers, the numbers dialled (reads only).

`call_party` checks a call's people and numbers against a Directory: `LiveDirectory` asks the database for
one call (real time); `BatchDirectory` loads everything a batch of call records names in a few queries.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import Tenant, User
from core import sql
from core.validation import clean_text
from licensing.models import AssignedPlan, ServicePlan

from .callinput import clean_emergency_number, clean_number, clean_optional_number
from .models import CallType, NumberInventoryType, TenantPhoneNumber
from .numbers import PhoneNumber
from .routing import USER_CALL_TYPES


@dataclass(frozen=True, slots=True)
class Person:
    pk: object
    upn: str
    display_name: str
    usage_location: str
    phone_number: str  # the directory's E.164 phone, used when the user has no number of the tenant
    plans: frozenset[str]


@dataclass(frozen=True, slots=True)
class Number:
    """A number of the tenant's inventory and the person it is assigned to."""

    pk: int
    e164: str
    kind: str
    country: str
    person: Person | None


@dataclass(frozen=True, slots=True)
class CallParty:
    """The facts routing and the call record need about one call."""

    call_type: str
    user: Person | None
    home_country: str  # the user's usage location, or the country of the tenant's number, or the tenant's
    callee: PhoneNumber  # the number dialled; for inbound calls the tenant's number (it rates toll-free minutes)
    caller: PhoneNumber | None
    tenant_number: Number | None  # the service number called, or the user's own number
    tenant_number_e164: str  # the report's "Phone number"
    inventory_type: str  # the report's "Number type"

    @property
    def plans(self) -> frozenset[str]:
        return self.user.plans if self.user is not None else frozenset()


def _person(user: User, plans: Iterable[str]) -> Person:
    return Person(user.pk, user.upn, user.display_name, user.usage_location, user.phone_number, frozenset(plans))


_PERSON = sql.Columns((User, "u", "id"), (User, "u", "upn"), (User, "u", "display_name"), (User, "u", "usage_location"),
                      (User, "u", "phone_number"), (TenantPhoneNumber, "n", "id"), (TenantPhoneNumber, "n", "e164"),
                      (ServicePlan, "p", "name"))
PERSON_COLUMNS = 8  # the values of person_parts()'s select list


def person_parts(tenant: str = "%s") -> tuple[str, str, str]:
    """(select list, joins, the user's id) that read a caller, their own number and their enabled plans (a row per
    plan; one row of NULLs when there is no such user) in a statement of any FROM. The joins name the tenant's id as
    the SQL `tenant` (a parameter unless told) and take person_params() as parameters; `LiveDirectory.remember`
    reads the rows. Every outbound call asks this (LiveDirectory.person, or the call API's first statement:
    billing/rating/services/first_look.py)."""
    user_id = f"u.{sql.column(User, 'id')}"
    joins = (f"LEFT JOIN {sql.table(User)} u ON u.{sql.column(User, 'tenant')} = {tenant} "
             f"AND u.{sql.column(User, 'upn')} = %s "
             f"AND u.{sql.column(User, 'deleted_at')} IS NULL "  # a deleted user places no calls
             f"LEFT JOIN {sql.table(TenantPhoneNumber)} n ON n.{sql.column(TenantPhoneNumber, 'user')} = {user_id} "
             f"LEFT JOIN {sql.table(AssignedPlan)} a ON a.{sql.column(AssignedPlan, 'user')} = {user_id} "
             f"AND a.{sql.column(AssignedPlan, 'enabled')} = %s "
             f"LEFT JOIN {sql.table(ServicePlan)} p "
             f"ON p.{sql.column(ServicePlan, 'id')} = a.{sql.column(AssignedPlan, 'service_plan')}")
    return _PERSON.sql, joins, user_id


def person_params(tenant: Tenant | None, upn: str) -> list[object]:
    """The parameters of person_parts()'s joins; `tenant` None when the joins were given the tenant's id as SQL."""
    named = [sql.db_value(User, "tenant", tenant.pk)] if tenant is not None else []
    return [*named, upn, sql.db_value(AssignedPlan, "enabled", True)]


_PERSON_SQL = sql.Statement(lambda: "SELECT {} FROM (SELECT 1 AS one) AS o {}".format(*person_parts()[:2]))


class LiveDirectory:
    """Looks up the one user or number a real-time call names."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._own_numbers: dict[object, tuple[int, str] | None] = {}
        self._people: dict[str, Person | None] = {}

    def person(self, upn: str) -> Person | None:
        if upn not in self._people:
            self.remember(upn, _PERSON_SQL.rows(person_params(self.tenant, upn)))
        return self._people[upn]

    def remember(self, upn: str, rows: Sequence[Sequence[Any]]) -> None:
        """Keeps the person `upn` as person_parts()'s select list read them (rows of PERSON_COLUMNS values)."""
        if not rows or rows[0][0] is None:
            self._people[upn] = None
            return
        user_id, found_upn, display_name, usage_location, phone_number, own_id, own_e164, _ = _PERSON.convert(rows[0])
        plans = frozenset(row[-1] for row in rows if row[-1] is not None)
        person = Person(user_id, found_upn, display_name, usage_location, phone_number, plans)
        self._own_numbers[person.pk] = (own_id, own_e164) if own_id is not None else None
        self._people[upn] = person

    def own_number(self, person: Person) -> Number | None:
        own = self._own_numbers.get(person.pk)
        return Number(*own, TenantPhoneNumber.Kind.USER, "", person) if own else None

    def number(self, e164: str) -> Number | None:
        found = TenantPhoneNumber.objects.filter(tenant=self.tenant, e164=e164).select_related("user").first()
        if found is None:
            return None
        person = None
        if found.user is not None and found.user.deleted_at is None:
            plans = AssignedPlan.objects.filter(user=found.user, enabled=True).values_list("service_plan__name", flat=True)
            person = _person(found.user, plans)
        return Number(found.pk, found.e164, found.kind, found.country, person)

    def conferencing_number(self) -> Number | None:
        found = (TenantPhoneNumber.objects.filter(tenant=self.tenant, kind=TenantPhoneNumber.Kind.CONFERENCING)
                 .order_by("e164").first())
        return Number(found.pk, found.e164, found.kind, found.country, None) if found else None


class BatchDirectory:
    """Everything a batch of call records names, loaded in four queries."""

    def __init__(self, tenant: Tenant, *, upns: Iterable[str], numbers: Iterable[str]) -> None:
        self.tenant = tenant
        users = list(User.objects.filter(tenant=tenant, upn__in=list(upns), deleted_at__isnull=True))
        plans: dict[object, set[str]] = {}
        for user_id, name in AssignedPlan.objects.filter(user__in=users, enabled=True).values_list(
                "user_id", "service_plan__name"):
            plans.setdefault(user_id, set()).add(name)
        self._people = {u.upn: _person(u, plans.get(u.pk, ())) for u in users}
        by_id = {p.pk: p for p in self._people.values()}
        self._numbers: dict[str, Number] = {}
        self._own: dict[object, Number] = {}
        self._conferencing: Number | None = None
        wanted = (TenantPhoneNumber.objects.filter(tenant=tenant, e164__in=list(numbers))
                  | TenantPhoneNumber.objects.filter(tenant=tenant, user__in=users)
                  | TenantPhoneNumber.objects.filter(tenant=tenant, kind=TenantPhoneNumber.Kind.CONFERENCING))
        rows = list(wanted.order_by("e164").values_list("pk", "e164", "kind", "country", "user_id"))
        missing_people = {user_id for *_, user_id in rows if user_id and user_id not in by_id}
        if missing_people:
            extra = list(User.objects.filter(pk__in=missing_people))
            for user_id, name in AssignedPlan.objects.filter(user__in=extra, enabled=True).values_list(
                    "user_id", "service_plan__name"):
                plans.setdefault(user_id, set()).add(name)
            by_id.update({u.pk: _person(u, plans.get(u.pk, ())) for u in extra})
        for pk, e164, kind, country, user_id in rows:
            number = Number(pk, e164, kind, country, by_id.get(user_id))
            self._numbers[e164] = number
            if user_id:
                self._own[user_id] = number
            if kind == TenantPhoneNumber.Kind.CONFERENCING and self._conferencing is None:
                self._conferencing = number

    def person(self, upn: str) -> Person | None:
        return self._people.get(upn)

    def own_number(self, person: Person) -> Number | None:
        return self._own.get(person.pk)

    def number(self, e164: str) -> Number | None:
        return self._numbers.get(e164)

    def conferencing_number(self) -> Number | None:
        return self._conferencing


Directory = LiveDirectory | BatchDirectory
UPN_MAX_LENGTH = 320  # accounts.User.upn


def clean_upn(value: object, *, field: str = "user_principal_name") -> str:
    """The UPN a call names, lower-cased: a string without NUL bytes no longer than the User column ('' for none)."""
    return clean_text(value, field=field, max_length=UPN_MAX_LENGTH).lower()


def call_party(*, directory: Directory, call_type: str, user_principal_name: object = "", callee_number: object = "",
               caller_number: object = "") -> Any:
    """Reads and checks everything a call names; raises ValidationError naming the first field that is wrong.

    A CallParty (Any for now: services/calls.py reads `tenant_number.pk` of inbound calls, always set, unnarrowed)."""
    tenant = directory.tenant
    if call_type in USER_CALL_TYPES:
        return _outbound_party(directory, call_type, user_principal_name, callee_number, caller_number)
    callee = clean_number(callee_number, field="callee_number")
    caller = clean_optional_number(caller_number, field="caller_number")
    number = directory.number(callee.e164)
    if number is None:
        raise ValidationError({"callee_number": f"{callee.e164} is not a phone number of this organization."})
    if call_type == CallType.USER_IN:
        if number.kind != TenantPhoneNumber.Kind.USER or number.person is None:
            raise ValidationError({"callee_number": f"{callee.e164} is not assigned to a user; send the call as "
                                                    "unassigned_in or conf_in."})
        user = number.person
        return CallParty(call_type, user, user.usage_location or tenant.country, callee, caller, number, number.e164,
                         NumberInventoryType.USER)
    if number.kind == TenantPhoneNumber.Kind.USER and number.person is not None:
        raise ValidationError({"callee_number": f"{callee.e164} is a user's number; send the call as user_in."})
    if call_type == CallType.CONF_IN and number.kind == TenantPhoneNumber.Kind.USER:
        raise ValidationError({"callee_number": f"{callee.e164} is not a conferencing or toll-free number."})
    inventory = NumberInventoryType.USER if number.kind == TenantPhoneNumber.Kind.USER else number.kind
    return CallParty(call_type, None, number.country or tenant.country, callee, caller, number, number.e164, inventory)


def _outbound_party(directory: Directory, call_type: str, upn: object, callee_number: object,
                    caller_number: object) -> CallParty:
    upn = clean_upn(upn)
    if call_type == CallType.EMERGENCY_OUT:
        # Never refused: an unknown or missing user still gets through (recorded without one).
        callee = clean_emergency_number(callee_number, field="callee_number")
        user = directory.person(upn) if upn else None
    else:
        if not upn:
            raise ValidationError({"user_principal_name": "The user principal name of the caller is required for "
                                                          f"{call_type} calls."})
        user = directory.person(upn)
        if user is None:
            raise ValidationError({"user_principal_name": f"No user '{upn}' exists in this organization."})
        callee = clean_number(callee_number, field="callee_number")
    caller = clean_optional_number(caller_number, field="caller_number")
    if call_type == CallType.CONF_OUT:
        number = (directory.number(caller.e164) if caller else None) or directory.conferencing_number()
        inventory = NumberInventoryType.CONFERENCING
    else:
        number = directory.own_number(user) if user is not None else None
        inventory = NumberInventoryType.USER
    if number is not None:
        e164 = number.e164
    else:
        e164 = caller.e164 if caller else (user.phone_number if user is not None else "")
    if caller is None and e164:
        caller = clean_optional_number(e164, field="caller_number")
    home = (user.usage_location if user is not None else "") or directory.tenant.country
    return CallParty(call_type, user, home, callee, caller, number, e164 or "", inventory)
