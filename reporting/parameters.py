"""What a PSTN report run asks for: which report, the date range, the filters and the columns, read and checked.

Pages, exports and parameters.json share this one reading, so an export holds exactly the rows the page showed.
"""
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django_countries import countries

from accounts.models import User
from billing.rating.models import CallType, Capability, DestinationContext

from .columns import DEFAULT_PAGE_COLUMNS, PAGE_COLUMNS
from .periods import DateRange, parse_date_range

REPORTS = {
    "usage": "PSTN usage details",
    "pools": "PSTN minute pools",
    "blocked": "PSTN blocked users",
}
FILTER_FIELDS = ("username", "call_type", "context", "country", "capability", "spend_limit")
# Users at or near their monthly calling spend limit (billing/spend): the value and the percent of the limit.
SPEND_LIMIT_FILTERS = {"near": 80, "reached": 100}
# Columns the usage details sort by (each is a call record field the keyset pages walk with the id); newest first
# unless the run asks otherwise: "duration" sorts shortest first, "-duration" longest first.
SORTABLE = {"timestamp": "start_at", "display_name": "user_display_name", "username": "user_principal_name",
            "to_country": "callee_country", "charge": "charge", "duration": "duration_seconds"}
DEFAULT_SORT = "-timestamp"


@dataclass(frozen=True)
class UsageFilters:
    username: str = ""
    user_id: UUID | None = None  # the UUID of the user named by `username`
    call_type: str = ""
    context: str = ""  # DestinationContext value: Domestic or International
    country: str = ""  # the report's "Country or region": the user's usage location
    capability: str = ""
    spend_limit: str = ""  # "near" (80%+ of their limit this month) or "reached" (100%)
    spend_user_ids: tuple = ()  # the users the spend_limit filter found

    @property
    def any(self):
        return any(getattr(self, name) for name in FILTER_FIELDS)

    def as_parameters(self) -> dict[str, str]:
        """The filters as parameters.json names them; absent filters are left out."""
        names = {"username": "username", "call_type": "callType", "context": "domesticInternational",
                 "country": "countryOrRegion", "capability": "capability", "spend_limit": "spendLimit"}
        return {names[name]: getattr(self, name) for name in FILTER_FIELDS if getattr(self, name)}


@dataclass(frozen=True)
class UsageParameters:
    period: DateRange
    filters: UsageFilters = field(default_factory=UsageFilters)
    columns: tuple = DEFAULT_PAGE_COLUMNS
    sort: str = DEFAULT_SORT  # a SORTABLE key, "-" first for descending

    @property
    def sort_field(self):
        return SORTABLE[self.sort.lstrip("-")]

    @property
    def sort_descending(self):
        return self.sort.startswith("-")

    def query_items(self):
        """(name, value) pairs that give this run again as a query string (report=usage implied)."""
        items = [("range", self.period.choice)]
        if not self.period.preset:
            items += [("from", self.period.first_day.isoformat()), ("to", self.period.last_day.isoformat())]
        items += [(name, getattr(self.filters, name)) for name in FILTER_FIELDS if getattr(self.filters, name)]
        if self.columns != DEFAULT_PAGE_COLUMNS:
            items += [("col", key) for key in self.columns]
        if self.sort != DEFAULT_SORT:
            items.append(("sort", self.sort))
        return items

    def as_parameters(self) -> dict[str, Any]:
        return {
            "report": REPORTS["usage"],
            "dateRange": self.period.as_parameters(),
            "startDateTime": self.period.start_at.isoformat().replace("+00:00", "Z"),
            "endDateTime": self.period.end_at.isoformat().replace("+00:00", "Z"),
            "filters": self.filters.as_parameters(),
        }


def parse_report(data):
    report = (data.get("report") or "usage").strip()
    if report not in REPORTS:
        raise ValidationError({"report": f"'{report}' is not a report here; choose {', '.join(REPORTS.values())}."})
    return report


def _choice(data, name, choices, label, errors):
    value = (data.get(name) or "").strip()
    if value and value not in choices:
        errors[name] = f"'{value}' is not a {label}; choose one from the list."
        return ""
    return value


def parse_filters(data, *, tenant):
    """The filters of the usage report; an unknown value is an error naming its field (one query for a username)."""
    errors: dict = {}
    call_type = _choice(data, "call_type", CallType.values, "call type", errors)
    context = _choice(data, "context", DestinationContext.values, "Domestic/International value", errors)
    capability = _choice(data, "capability", Capability.values, "capability", errors)
    country = (data.get("country") or "").strip().upper()
    if country and country not in dict(countries):
        errors["country"] = f"'{data.get('country')}' is not a country or region code (for example US, GB, DE)."
        country = ""
    spend_limit = _choice(data, "spend_limit", SPEND_LIMIT_FILTERS, "spend limit filter (near, reached)", errors)
    spend_user_ids: tuple = ()
    if spend_limit:
        from billing.spend.selectors import users_at_or_over

        spend_user_ids = tuple(users_at_or_over(tenant=tenant, percent=SPEND_LIMIT_FILTERS[spend_limit]))
    username = (data.get("username") or "").strip().lower()
    user_id = None
    if username:
        user_id = User.objects.filter(tenant=tenant, upn=username).values_list("pk", flat=True).first()
        if user_id is None:
            errors["username"] = f"No user in your organization has the username '{username}'."
    if errors:
        raise ValidationError(errors)
    return UsageFilters(username=username, user_id=user_id, call_type=call_type, context=context, country=country,
                        capability=capability, spend_limit=spend_limit, spend_user_ids=spend_user_ids)


def parse_columns(data):
    chosen = [key for key in data.getlist("col") if key] if hasattr(data, "getlist") else list(data.get("col") or [])
    if not chosen:
        return DEFAULT_PAGE_COLUMNS
    unknown = [key for key in chosen if key not in PAGE_COLUMNS]
    if unknown:
        raise ValidationError({"col": f"'{unknown[0]}' is not a column of this report."})
    return tuple(key for key in PAGE_COLUMNS if key in chosen)


def parse_sort(data):
    sort = (data.get("sort") or DEFAULT_SORT).strip()
    if sort.lstrip("-") not in SORTABLE:
        raise ValidationError({"sort": f"The report can't be sorted by '{sort}'; choose a column heading."})
    return sort


def _collect(errors, read):
    try:
        return read()
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None


def parse_usage_parameters(data, *, tenant, today):
    """Everything the usage report needs from a query string; ValidationError lists each bad field."""
    errors: dict = {}
    period = _collect(errors, lambda: parse_date_range(data, today=today))
    filters = _collect(errors, lambda: parse_filters(data, tenant=tenant))
    columns = _collect(errors, lambda: parse_columns(data))
    sort = _collect(errors, lambda: parse_sort(data))
    if errors:
        raise ValidationError(errors)
    return UsageParameters(period=period, filters=filters, columns=columns, sort=sort)
