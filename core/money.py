"""Money: US dollars as Decimal, written, rounded, summed and shown the same way everywhere.

Communications Credits are a US-dollar balance (PRODUCT.md), so the ledger, lots, holds and charges are Decimal
amounts in USD, never floats. Rates carry their currency (django-money's MoneyField) because a deck names it;
API answers give an amount with its currency. Services keep bare Decimal internally: one currency, and a
Money object per figure would cost the call path time for nothing it could check (architecture page).
"""
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final, TypedDict, overload

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, DecimalField, ExpressionWrapper, IntegerField, QuerySet, Value
from django.db.models.functions import Cast, Round
from djmoney.money import Money

CURRENCY = "USD"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class DecimalDigits(TypedDict):
    max_digits: int
    decimal_places: int


# Every stored amount of US dollars: `models.DecimalField(**MONEY_DIGITS)`.
MONEY_DIGITS: Final[DecimalDigits] = {"max_digits": 14, "decimal_places": 2}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def cents(value: Any) -> Decimal:
    """A number as Decimal dollars and cents, rounding half up. Refuses floats: money is never computed in binary."""
    if value is None:
        raise TypeError("An amount of money is required, not None.")
    amount = getattr(value, "amount", value)  # django-money's Money carries its Decimal in .amount
    if isinstance(amount, float | bool):
        raise TypeError(f"Money must be a Decimal, int or str, not {type(amount).__name__} {amount!r}")
    if not isinstance(amount, Decimal):
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount of money.") from None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def db_money(value: Any) -> Decimal | None:
    """A number read back from the database as Decimal cents (SQLite hands back decimals and sums as int or float,
    whose repr is exact to the cent for stored amounts)."""
    if value is None:
        return None
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT, rounding=ROUND_HALF_UP)


def as_money(amount: Any, currency: str = CURRENCY) -> Money:
    """The Money of an amount, for API answers and anything that shows its currency."""
    return Money(cents(amount), currency)


@overload
def api_money(value: None) -> None: ...
@overload
def api_money(value: Decimal | int) -> str: ...
def api_money(value: Decimal | int | None) -> str | None:
    """An amount as the REST API writes it: a string with two decimals ("1234.50", never a JSON float), None for None."""
    return None if value is None else f"{value:.2f}"


def money_text(value: Any, currency: str = CURRENCY, *, signed: bool = False, whole: bool = False, empty: str = "—") -> str:
    """The one way money is written on pages, PDFs and emails: $1,234.56, -$12.50, +$100.00 (signed), $500 (whole).

    A currency without a symbol is written before the figure ("CHF 12.50"). None or "" shows `empty`.
    """
    if value is None or value == "":
        return empty
    currency = getattr(value, "currency", None) and str(value.currency) or currency
    amount = cents(value)
    figure = f"{abs(amount):,.0f}" if whole and amount == amount.to_integral_value() else f"{abs(amount):,.2f}"
    symbol = _SYMBOLS.get(currency)
    text = f"{symbol}{figure}" if symbol else f"{currency} {figure}"
    if amount < 0:
        return f"-{text}"
    return f"+{text}" if signed and amount > 0 else text


class MoneySum(Aggregate):
    """SUM of a money column, exact to the cent on every database; usable in aggregate() and annotate().

    PostgreSQL sums numeric exactly. SQLite stores decimals as binary floats and sums them in floating point
    (1803.93999999997), so there each amount is rounded to whole cents and the integer cents are summed.
    """

    function = "SUM"
    name = "MoneySum"
    allow_distinct = False
    output_field = DecimalField(max_digits=20, decimal_places=2)

    def as_sqlite(self, compiler: Any, connection: BaseDatabaseWrapper, **extra_context: Any) -> tuple[str, Any]:
        clone = self.copy()
        source, *rest = clone.get_source_expressions()
        whole_cents = Cast(Round(ExpressionWrapper(source * Value(100), output_field=DecimalField())), IntegerField())
        clone.set_source_expressions([whole_cents, *rest])
        return super(MoneySum, clone).as_sql(compiler, connection, **extra_context)

    def get_db_converters(self, connection: BaseDatabaseWrapper) -> list[Callable[..., Any]]:
        if connection.vendor == "sqlite":
            return [_from_whole_cents]
        return [*super().get_db_converters(connection), _to_cents]


def _from_whole_cents(value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Decimal | None:
    return None if value is None else (Decimal(int(value)) / 100).quantize(CENT)


def _to_cents(value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Decimal | None:
    return db_money(value)


def money_sum(queryset: QuerySet[Any], field: str) -> Decimal:
    """The exact sum of a money column over a queryset (zero when it is empty)."""
    total: Decimal = queryset.aggregate(total=MoneySum(field))["total"] or ZERO
    return total


def money_sums(queryset: QuerySet[Any], **fields: str) -> dict[str, Decimal]:
    """Several exact money sums of one queryset in one query: money_sums(qs, spent="amount", held="hold")."""
    found = queryset.aggregate(**{name: MoneySum(column) for name, column in fields.items()})
    return {name: found[name] or ZERO for name in fields}
