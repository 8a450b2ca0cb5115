"""The filters of the Communications Credits transactions list (django-filter), on the page and in the API.

The page (Billing > Communications Credits > Transactions) takes `type` (a ledger entry kind) and the days `from` and
`to` (YYYY-MM-DD, both inclusive, UTC). GET /api/v1/credits/transactions takes `type` and the instants
`fromDateTime` (inclusive) and `toDateTime` (exclusive), ISO 8601, UTC when no offset is given. A bad value is a
ValidationError naming its parameter.
"""
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters import CharFilter, FilterSet

from core.validation import clean_datetime

from .models import LedgerEntry

KINDS = LedgerEntry.Kind.values


def _since(queryset: QuerySet[LedgerEntry], name: str, moment: datetime) -> QuerySet[LedgerEntry]:
    return queryset.filter(created_at__gte=moment)


def _before(queryset: QuerySet[LedgerEntry], name: str, moment: datetime) -> QuerySet[LedgerEntry]:
    return queryset.filter(created_at__lt=moment)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class _TransactionFilterForm(forms.Form):
    def _text(self, name: str) -> str:
        value = self.data.get(name) or ""
        return value if isinstance(value, str) else ""


class TransactionPageFilterForm(_TransactionFilterForm):
    """The page's words: its form shows each message under its field."""

    def _day(self, name: str) -> date | None:
        raw = self._text(name)
        if not raw:
            return None
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise ValidationError("Enter a date as YYYY-MM-DD.") from None
        if day == date.max:  # the day after it, where a "to" day ends, is past Python's last date
            raise ValidationError("Enter a date before 9999-12-31.")
        return day

    def clean_type(self) -> str:
        kind = self._text("type")
        if kind and kind not in KINDS:
            raise ValidationError("Choose a transaction type from the list.")
        return kind

    def clean_from(self) -> datetime | None:
        day = self._day("from")
        return _midnight(day) if day else None

    def clean_to(self) -> datetime | None:
        day = self._day("to")
        return _midnight(day + timedelta(days=1)) if day else None  # the whole last day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and end <= start:
            self.add_error("to", "The end date is before the start date.")
        return data


class TransactionPageFilterSet(FilterSet):
    type = CharFilter(field_name="kind", strip=False)
    # `from` is a Python keyword, so the two date filters are named through the class namespace.
    locals()["from"] = CharFilter(method=_since, strip=False)
    locals()["to"] = CharFilter(method=_before, strip=False)

    class Meta:
        model = LedgerEntry
        fields: list[str] = []
        form = TransactionPageFilterForm


class TransactionApiFilterForm(_TransactionFilterForm):
    """The API's words (Graph style: the parameter and what it accepts)."""

    def _instant(self, name: str) -> datetime | None:
        raw = self._text(name)
        if not raw:
            return None
        try:
            moment: datetime = clean_datetime(raw, field=name, default_tz=UTC)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return moment

    def clean_type(self) -> str:
        kind = self._text("type")
        if kind and kind not in KINDS:
            raise ValidationError(f"'{kind}' is not one of {', '.join(KINDS)}.")
        return kind

    def clean_fromDateTime(self) -> datetime | None:  # noqa: N802 (the API's parameter name)
        return self._instant("fromDateTime")

    def clean_toDateTime(self) -> datetime | None:  # noqa: N802
        return self._instant("toDateTime")


class TransactionApiFilterSet(FilterSet):
    type = CharFilter(field_name="kind", strip=False)
    fromDateTime = CharFilter(method=_since, strip=False)  # noqa: N815 (the API's parameter name)
    toDateTime = CharFilter(method=_before, strip=False)  # noqa: N815

    class Meta:
        model = LedgerEntry
        fields: list[str] = []
        form = TransactionApiFilterForm


def _filtered(filterset: FilterSet, queryset: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    if not filterset.is_valid():
        raise ValidationError({name: list(messages) for name, messages in filterset.form.errors.items()})
    filtered: QuerySet[LedgerEntry] = filterset.filter_queryset(queryset)  # django-filter has no types
    return filtered


def transactions_page_filter(params: Any, queryset: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """`queryset` filtered by the page's `type`, `from` and `to`; ValidationError naming each bad parameter."""
    return _filtered(TransactionPageFilterSet(data=params, queryset=queryset), queryset)


def transactions_api_filter(params: Any, queryset: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """`queryset` filtered by the API's `type`, `fromDateTime` and `toDateTime`; ValidationError naming each bad one."""
    return _filtered(TransactionApiFilterSet(data=params, queryset=queryset), queryset)
