"""Output serializers of the API: each answer's shape declared once, read by drf-spectacular for the schema and used by
the view to write the answer, so the two cannot drift apart (tests/security/test_schema_conformance.py)."""
from decimal import Decimal
from typing import Any

from rest_framework import serializers


class AnswerDrift(AssertionError):
    """An answer that is not the shape its serializer declares: a programming error, found by the tests."""


class Answer(serializers.Serializer):
    """Writes an answer assembled as a dict by the view (keys in the dict's order, so answers stay byte for byte what
    they were), each value through its declared field. A key the shape does not declare, a required key left out and a
    null where the shape allows none are refused, so every answer is one the schema describes."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        fields = self.fields
        out: dict[str, Any] = {}
        for name, value in instance.items():
            try:
                field = fields[name]
            except KeyError:
                raise AnswerDrift(f"{type(self).__name__} does not declare '{name}'.") from None
            if value is None:
                if not field.allow_null:
                    raise AnswerDrift(f"{type(self).__name__}.{name} is null but not declared nullable.")
                out[name] = None
            else:
                out[name] = field.to_representation(value)
        missing = [name for name in self._required_names if name not in out]
        if missing:
            raise AnswerDrift(f"{type(self).__name__} leaves out the required {', '.join(missing)}.")
        return out

    @property
    def _required_names(self) -> list[str]:
        names = getattr(self, "_required_cache", None)
        if names is None:
            names = self._required_cache = [name for name, field in self.fields.items() if field.required]
        return names


def answer(name: str, fields: dict[str, Any], *, doc: str = "") -> type[Answer]:
    """An Answer class named `name` (its schema component) with `fields`, which may have names no Python class
    attribute can have ("@odata.context")."""
    return type(name, (Answer,), {**fields, "__doc__": doc or f"The {name} answer."})


def render(shape: type[Answer], data: dict[str, Any]) -> Any:
    """The answer `data` written by `shape`."""
    return shape(data).data


class Money(serializers.CharField):
    """An amount of money as the API writes it: a string with two decimals ("100.00"), never a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", 'US dollars as a string with two decimals, e.g. "100.00"')
        super().__init__(**kwargs)


class Number(serializers.DecimalField):
    """A decimal JSON number written as the value is (Graph's pstnCallLogRow charge), not rounded again."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=None, decimal_places=None, coerce_to_string=False, **kwargs)

    def to_representation(self, value: Decimal) -> Decimal:  # type: ignore[override]
        return value


def collection(name: str, item: serializers.Field, *, context: bool = False, count: bool = False,
               next_link: bool = True) -> type[Answer]:
    """A Graph-style collection: {"@odata.context"?, "@odata.count"?, "@odata.nextLink"?, "value": [...]}; the
    optional annotations are declared not required (they are in the answer only when they apply)."""
    fields: dict[str, serializers.Field] = {}
    if context:
        fields["@odata.context"] = serializers.URLField()
    if count:
        fields["@odata.count"] = serializers.IntegerField(required=False)
    if next_link:
        fields["@odata.nextLink"] = serializers.URLField(required=False)
    fields["value"] = serializers.ListField(child=item)
    return answer(name, fields)


GRAPH_ERROR = answer("GraphError", {"error": answer("GraphErrorBody", {
    "code": serializers.CharField(), "message": serializers.CharField(help_text="Names the field at fault first.")})()},
    doc="A Graph-style error (core/graph_errors.py).")
