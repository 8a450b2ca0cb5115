"""StatementData: the plain figures a monthly statement is issued from, checked before anything is written.

`statement_data.statement_data_for` fills it from the credit ledger and the call records and
`services.statement_issue` issues it. Every amount is a Decimal with at most two decimal places; the figures
must add up: closing = opening + purchases - usage - expiries + adjustments, and usage by country, usage by
user and the call lines all total the same usage charges.
"""
import calendar
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django_countries import countries

from core.money import CENT, ZERO
from core.validation import country_name

_MAX_ERRORS = 20
# The country of usage whose destination is not known (a charge without its call record): shown as "Unknown".
UNKNOWN_COUNTRY = ""


def country_label(code: str | None) -> str:
    """The name a statement shows for a destination country code."""
    return country_name(code) if code != UNKNOWN_COUNTRY else "Unknown"


@dataclass(frozen=True)
class StatementPurchase:
    """Funds added in the month: a one-time purchase or an auto-recharge."""

    date: date
    description: str
    amount: Decimal
    invoice_number: str = ""


@dataclass(frozen=True)
class StatementExpiry:
    """Funds forfeited in the month because they were not used within 12 months of purchase."""

    date: date
    description: str
    amount: Decimal


@dataclass(frozen=True)
class StatementAdjustment:
    """A refund (negative: unused funds paid back) or an operator's correction of the balance (either sign)."""

    date: date
    description: str
    amount: Decimal


@dataclass(frozen=True)
class CountryUsage:
    """Usage charges of the month to one destination country or region (ISO 3166 alpha-2, or UNKNOWN_COUNTRY)."""

    country: str
    calls: int
    minutes: int
    amount: Decimal


@dataclass(frozen=True)
class UserUsage:
    """Usage charges of the month by one user."""

    user_principal_name: str
    display_name: str
    calls: int
    minutes: int
    amount: Decimal


@dataclass(frozen=True)
class CallLine:
    """One call charged in the month, for the statement's appendix; `charge` includes any connection fee.

    `started_at` may fall before the month: a call running over midnight, or a record imported late, is
    charged (and listed) in the month its charge was written.
    """

    started_at: datetime
    user_principal_name: str
    call_type: str
    destination: str
    country: str
    duration_seconds: int
    charge: Decimal
    call_id: str


_PARTS = {"purchases": StatementPurchase, "expiries": StatementExpiry, "usage_by_country": CountryUsage,
          "usage_by_user": UserUsage, "calls": CallLine, "adjustments": StatementAdjustment}


@dataclass(frozen=True)
class StatementData:
    opening_balance: Decimal
    closing_balance: Decimal
    purchases: tuple[StatementPurchase, ...] = ()
    usage_by_country: tuple[CountryUsage, ...] = ()
    usage_by_user: tuple[UserUsage, ...] = ()
    expiries: tuple[StatementExpiry, ...] = ()
    calls: tuple[CallLine, ...] = ()
    adjustments: tuple[StatementAdjustment, ...] = ()

    @classmethod
    def empty(cls, *, balance):
        """A month with no activity: the balance carried through unchanged."""
        return cls(opening_balance=balance, closing_balance=balance)

    @property
    def purchases_total(self):
        return sum((p.amount for p in self.purchases), ZERO)

    @property
    def usage_total(self) -> Decimal:
        return sum((u.amount for u in self.usage_by_country), ZERO)

    @property
    def expiries_total(self):
        return sum((e.amount for e in self.expiries), ZERO)

    @property
    def adjustments_total(self):
        """Signed: refunds take off the balance, an operator's correction adds or takes off."""
        return sum((a.amount for a in self.adjustments), ZERO)

    @property
    def call_count(self):
        return len(self.calls)

    @property
    def is_empty(self):
        return not (self.purchases or self.usage_by_country or self.usage_by_user or self.expiries or self.calls
                    or self.adjustments)

    def validate(self, *, month: date) -> None:
        """Raises ValidationError naming each field (`calls[12].charge`) that is wrong, or the sums that do not add up."""
        errors: dict = {}
        first, last = month_bounds(month)

        def fail(field, message):
            if len(errors) < _MAX_ERRORS:
                errors.setdefault(field, message)

        for name in ("opening_balance", "closing_balance"):
            _check_money(fail, name, getattr(self, name), allow_negative=True)
        for name, part in _PARTS.items():
            items = getattr(self, name)
            if not isinstance(items, tuple | list):
                fail(name, f"must be a list of {part.__name__}, not {type(items).__name__}.")
                continue
            for index, item in enumerate(items):
                where = f"{name}[{index}]"
                if not isinstance(item, part):
                    fail(where, f"must be a {part.__name__}, not {type(item).__name__}.")
                    continue
                _check_item(fail, where, item, first, last)
        if errors:
            raise ValidationError(errors)

        usage = self.usage_total
        adjustments = self.adjustments_total
        expected_closing = self.opening_balance + self.purchases_total - usage - self.expiries_total + adjustments
        if expected_closing != self.closing_balance:
            fail("closing_balance", f"opening {self.opening_balance} + purchases {self.purchases_total} - usage {usage} "
                                    f"- expiries {self.expiries_total} + adjustments {adjustments} = {expected_closing}, "
                                    f"not {self.closing_balance}.")
        by_user = sum((u.amount for u in self.usage_by_user), ZERO)
        if by_user != usage:
            fail("usage_by_user", f"totals {by_user} but usage by country totals {usage}.")
        by_call = sum((c.charge for c in self.calls), ZERO)
        if by_call != usage:
            fail("calls", f"charges total {by_call} but usage by country totals {usage}.")
        calls_by_country = sum(u.calls for u in self.usage_by_country)
        calls_by_user = sum(u.calls for u in self.usage_by_user)
        if not calls_by_country == calls_by_user == len(self.calls):
            fail("calls", f"{len(self.calls)} call lines, but usage by country counts {calls_by_country} calls "
                          f"and usage by user {calls_by_user}.")
        if errors:
            raise ValidationError(errors)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (Decimals and dates as strings) that `from_json` reads back exactly."""
        return {name: _jsonable(value) for name, value in asdict(self).items()}

    @classmethod
    def from_json(cls, data):
        kwargs = {"opening_balance": Decimal(data["opening_balance"]), "closing_balance": Decimal(data["closing_balance"])}
        for name, part in _PARTS.items():
            kwargs[name] = tuple(_from_jsonable(part, item) for item in data.get(name, ()))  # type: ignore[assignment]
        return cls(**kwargs)  # type: ignore[arg-type]


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the calendar month holding `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _check_money(fail, field, value, *, allow_negative=False, allow_zero=True):
    if not isinstance(value, Decimal) or not value.is_finite():
        fail(field, f"must be a Decimal amount, not {type(value).__name__} {value!r}.")
    elif value != value.quantize(CENT):
        fail(field, f"{value} has more than two decimal places.")
    elif value < 0 and not allow_negative:
        fail(field, f"{value} is negative.")
    elif value == 0 and not allow_zero:
        fail(field, "must be more than 0.00.")


def _check_count(fail, field, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail(field, f"must be a whole number of 0 or more, not {value!r}.")


def _check_item(fail, where, item, first, last):
    for f in fields(item):
        value = getattr(item, f.name)
        field = f"{where}.{f.name}"
        if f.type is Decimal:
            signed = isinstance(item, StatementAdjustment)
            _check_money(fail, field, value, allow_negative=signed,
                         allow_zero=not isinstance(item, StatementPurchase | StatementExpiry | StatementAdjustment))
        elif f.type is int:
            _check_count(fail, field, value)
        elif f.type is str and not isinstance(value, str):
            fail(field, f"must be text, not {type(value).__name__}.")
    if isinstance(item, CountryUsage | CallLine) and item.country != UNKNOWN_COUNTRY and item.country not in countries:
        fail(f"{where}.country", f"'{item.country}' is not an ISO 3166 two-letter country code.")
    day = item.started_at if isinstance(item, CallLine) else getattr(item, "date", None)
    if isinstance(item, CallLine):
        if not isinstance(day, datetime) or day.tzinfo is None:
            fail(f"{where}.started_at", "must be a timezone-aware datetime (UTC).")
            return
        day = day.date()
        if day > last:
            fail(f"{where}.started_at", f"{day.isoformat()} is after the statement month {first:%B %Y}.")
        return
    if day is not None:
        if not isinstance(day, date):
            fail(f"{where}.date", f"must be a date, not {type(day).__name__}.")
        elif not first <= day <= last:
            fail(f"{where}.date", f"{day.isoformat()} is outside the statement month {first:%B %Y}.")


def _jsonable(value):
    if isinstance(value, Decimal | date):  # datetime is a date too
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _from_jsonable(part, item):
    kwargs = {}
    for f in fields(part):
        value = item[f.name]
        if f.type is Decimal:
            value = Decimal(value)
        elif f.type is datetime:
            value = datetime.fromisoformat(value)
        elif f.type is date:
            value = date.fromisoformat(value)
        kwargs[f.name] = value
    return part(**kwargs)
