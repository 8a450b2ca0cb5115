"""Plain SQL for the hot paths, where compiling an ORM query costs more than running it (the call API).

A request of the telephony platform runs a dozen small statements; the ORM spends about a millisecond
compiling each, the database a tenth of that. These helpers write the same statements once per process
from the models' `_meta` (tables, columns, field conversions), so they run on SQLite and PostgreSQL alike
and stay right when a model changes. Values go in through each field's `get_db_prep_value` and come back
through the same converters the ORM applies, so a row read here equals the row the ORM would read.
"""
import datetime
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import Any, TypeAlias, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)
# django-stubs types get_field() as "a field or a reverse relation" and Field.column as optional; the
# names given here are always concrete fields, whose column is set.
AnyField: TypeAlias = "Field[Any, Any]"
# A column's converters as the ORM applies them: (its expression, the functions value -> value).
Converters = list[tuple[Col, list[Callable[..., Any]]]]


@cache
def _prepared_cursor_class() -> type[Any]:
    from django.db.backends.postgresql import base

    server_binding: Any = base.ServerBindingCursor  # untyped in django-stubs

    class PreparedCursor(server_binding):
        """Server-side binding, so psycopg prepares a statement once it ran before on the connection
        (prepare_threshold, config/settings/base.py): PostgreSQL then plans a hot statement once per connection
        instead of at every call (planning the credit state's read cost eight times running it)."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                    binary: bool | None = None) -> Any:
            try:
                return super().execute(query, params, prepare=prepare, binary=binary)
            finally:
                # psycopg keeps no query text for a prepared run; Django's query log reads it (last_executed_query),
                # also when the statement failed.
                self._query = SimpleNamespace(query=query.encode() if isinstance(query, str) else query,
                                              params=params)

    return PreparedCursor


def _db() -> BaseDatabaseWrapper:
    """The default database's connection itself: `django.db.connection` is a proxy that looks it up again at every
    attribute (a few microseconds each, a hundred times in a call request)."""
    return connections[DEFAULT_DB_ALIAS]


@contextmanager
def cursor() -> Iterator[Any]:
    """A cursor for this module's statements. On PostgreSQL they become prepared statements (server-side binding,
    prepared by psycopg from their second run on a connection and kept there, at most 100 of them), unless the
    settings turn prepared statements off (DB_PREPARED_STATEMENTS); elsewhere Django's own cursor.
    Either way Django wraps it, so execute_wrapper(), query logging and assertNumQueries see every statement.

    Constants a partial index names (a status, a kind) are written into the SQL as literals (`literal()`), not
    passed as parameters: a prepared statement's generic plan can use a partial index only when it sees them."""
    db = _db()
    db.ensure_connection()
    if db.vendor != "postgresql" or db.connection.prepare_threshold is None:
        with db.cursor() as found:
            yield found
        return
    wrapped = cast(Any, db)._prepare_cursor(_prepared_cursor_class()(db.connection))  # Django's wrapper, as cursor()
    with wrapped:
        yield wrapped


def literal(value: str) -> str:
    """A constant of the code (never input) as an SQL string literal; see cursor() for why."""
    return "'" + value.replace("'", "''") + "'"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _column_name(field: "Field[Any, Any]") -> str:
    return cast(str, field.column)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    return quote(_column_name(cast(AnyField, model._meta.get_field(name))))


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """`value` as the database takes it for the field `name` of `model` (UUIDs, datetimes, decimals, JSON)."""
    if value is None:
        return None
    field, fast, how = _value_plan(model, name)
    if fast is not None and type(value) is fast:
        direct = _direct(value, fast, how)
        if direct is not _SLOW:
            return direct
    return field.get_db_prep_save(value, _db())


@cache
def _value_plan(model: type[Model], name: str) -> tuple[AnyField, type[Any] | None, Any]:
    field = cast(AnyField, model._meta.get_field(name))
    return (field, *_fast_kind(field, _db()))


def for_update(of: str = "") -> str:
    """Row-lock clause: PostgreSQL locks the rows read; SQLite has no row locks (its writes are serialised).

    FOR NO KEY UPDATE: the hot rows (credit account, pool, call authorization) never change their keys, and
    this lock, unlike FOR UPDATE, lets other transactions insert rows that reference them (a ledger entry, a
    pool usage) without waiting. It still excludes every other writer and FOR UPDATE of the ORM's paths.
    """
    if not connection.features.has_select_for_update:
        return ""
    return f" FOR NO KEY UPDATE OF {of}" if of else " FOR NO KEY UPDATE"


def _convert(row: Sequence[Any], converters: Converters) -> list[Any]:
    """A raw row's values through each column's converters (NULL stays None, as the ORM leaves it)."""
    values = []
    db = _db()
    for value, (expression, found) in zip(row, converters, strict=True):
        if value is not None:
            for converter in found:
                value = converter(value, expression, db)
        values.append(value)
    return values


def _converters(model: type[Model], fields: Sequence["Field[Any, Any]"]) -> Converters:
    converters: Converters = []
    for field in fields:
        expression = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        converters.append((expression, found))
    return converters


@cache
def _select_sql(model: type[Model], where: str, vendor: str) -> tuple[str, list[str], Converters]:
    fields = model._meta.concrete_fields
    columns = ", ".join(f"{table(model)}.{quote(_column_name(f))}" for f in fields)
    return f"SELECT {columns} FROM {table(model)} WHERE {where}", [f.attname for f in fields], _converters(model, fields)


def fetch(model: type[M], where: str, params: Sequence[Any], *, lock: bool = False, limit: int | None = None) -> list[M]:
    """Instances of `model` whose rows match `where` (SQL with %s placeholders), as `Model.objects.filter` gives them."""
    db = _db()
    sql, attnames, converters = _select_sql(model, where, db.vendor)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if lock:
        sql += for_update()
    return [model.from_db(db.alias, attnames, _convert(row, converters)) for row in rows(sql, params)]


def fetch_one(model: type[M], where: str, params: Sequence[Any], *, lock: bool = False) -> M | None:
    found = fetch(model, where, params, lock=lock, limit=1)
    return found[0] if found else None


@cache
def _insert_sql(model: type[Model], vendor: str) -> tuple[str, list["Field[Any, Any]"]]:
    fields = [f for f in model._meta.concrete_fields
              if (f is not model._meta.pk or not model._meta.pk.auto_created) and not f.generated]
    pk = model._meta.pk
    returning = f" RETURNING {quote(_column_name(pk))}" if pk.auto_created else ""
    sql = (f"INSERT INTO {table(model)} ({', '.join(quote(_column_name(f)) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}){returning}")
    return sql, fields


# Fields whose get_db_prep_save() gives PostgreSQL a value of these types unchanged: a str, bool, UUID, finite
# Decimal or aware datetime goes as it is; an int in the psycopg wrapper Django's PostgreSQL backend puts it in
# (adapt_integerfield_value), so a prepared statement's parameter types stay the ones Django sends.
_STR = (models.CharField, models.TextField)
_INT = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
        models.PositiveSmallIntegerField, models.PositiveBigIntegerField)
_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)


def _fast_kind(field: AnyField, db: BaseDatabaseWrapper) -> tuple[type[Any] | None, Any]:
    """(the value type insert() may write without get_db_prep_save, what to do with it), or (None, None)."""
    if db.vendor != "postgresql" or not settings.USE_TZ:
        return None, None
    target = cast(Any, field).target_field if field.is_relation and field.many_to_one else field
    kind = type(target)
    if kind in _AUTO and type(field).pre_save is Field.pre_save:
        return int, None  # an id: AutoFieldMixin.get_db_prep_value leaves it a plain int
    if kind in _INT and type(field).pre_save is Field.pre_save:
        wrap = cast(Any, db.ops).integerfield_type_map.get(target.get_internal_type())
        return (int, wrap) if wrap is not None else (None, None)
    if type(field).pre_save is not Field.pre_save and kind is not models.DateTimeField:
        return None, None
    if kind in _STR or kind is models.EmailField:
        return str, None
    if kind is models.DateTimeField:
        auto = cast(Any, target).auto_now or cast(Any, target).auto_now_add
        return (None, None) if auto else (datetime.datetime, "aware")
    return {models.BooleanField: bool, models.UUIDField: uuid.UUID, models.DecimalField: Decimal}.get(kind), "finite"


@cache
def _preppers(model: type[Model], vendor: str) -> list[tuple[str, type[Any] | None, Any, AnyField]]:
    """For each column insert() writes: (attname, the value type written without get_db_prep_save, how, field)."""
    _, fields = _insert_sql(model, vendor)
    db = _db()
    return [(f.attname, *_fast_kind(f, db), f) for f in fields]


_SLOW = object()


def _direct(value: Any, fast: type[Any], how: Any) -> Any:
    """What get_db_prep_save makes of `value` (of type `fast`, see _fast_kind), or _SLOW when only it can say."""
    if fast is int:
        return how(value) if how is not None else value
    if how == "aware" and value.tzinfo is None or fast is Decimal and not value.is_finite():
        return _SLOW
    return value


def _insert_params(instance: Model, db: BaseDatabaseWrapper) -> list[Any]:
    """What Model.save() writes for `instance`: each field's get_db_prep_save(pre_save(...)), done here directly
    for the plain values whose outcome is known (tests/core/test_sql_insert_params.py compares the two)."""
    params = []
    for attname, fast, how, field in _preppers(type(instance), db.vendor):
        if fast is None:
            params.append(field.get_db_prep_save(field.pre_save(instance, True), db))
            continue
        value = getattr(instance, attname)
        if value is not None:  # None: NULL, as get_db_prep_save makes of it for these fields
            value = _direct(value, fast, how) if type(value) is fast else _SLOW
            if value is _SLOW:
                value = field.get_db_prep_save(field.pre_save(instance, True), db)
        params.append(value)
    return params


def insert(instance: M) -> M:
    """Saves a new `instance` with one INSERT (defaults applied as Model.save applies them); returns it with its pk."""
    model = type(instance)
    db = _db()
    sql, fields = _insert_sql(model, db.vendor)
    params = _insert_params(instance, db)
    with cursor() as found:
        found.execute(sql, params)
        if model._meta.pk.auto_created:
            setattr(instance, model._meta.pk.attname, found.fetchone()[0])
    instance._state.adding = False
    instance._state.db = db.alias
    return instance


@cache
def _insert_columns(model: type[Model], vendor: str) -> list[tuple[str, str]]:
    _, fields = _insert_sql(model, vendor)
    return [(quote(_column_name(f)), f.attname) for f in fields]


def insert_columns(model: type[Model]) -> list[tuple[str, str]]:
    """The columns insert() writes for `model`, in its order: [(quoted column, attname)]."""
    return _insert_columns(model, _db().vendor)


def insert_parts(instance: Model) -> tuple[list[tuple[str, str]], list[Any]]:
    """What insert(instance) would write, for a statement that inserts it among others (PostgreSQL's
    WITH ... INSERT ... SELECT): [(quoted column, attname)] and the values in that order; then `inserted()`."""
    db = _db()
    return _insert_columns(type(instance), db.vendor), _insert_params(instance, db)


def inserted(instance: M, pk: Any) -> M:
    """`instance` as insert() leaves it, once a statement built with insert_parts() wrote it with primary key `pk`."""
    if instance._meta.pk.auto_created:
        setattr(instance, instance._meta.pk.attname, pk)
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance


def update(instance: Any, names: Sequence[str]) -> None:
    """Writes the fields `names` of a saved `instance` in one UPDATE by primary key (Model.save(update_fields=...))."""
    # Any: the call path hands over a row it has narrowed (a locked pool) where mypy still sees `| None`.
    model: type[Model] = type(instance)
    meta = model._meta
    fields = [cast(AnyField, meta.get_field(name)) for name in names]
    sql = (f"UPDATE {table(model)} SET {', '.join(f'{quote(_column_name(f))} = %s' for f in fields)} "
           f"WHERE {quote(_column_name(meta.pk))} = %s")
    db = _db()
    params = [f.get_db_prep_save(f.pre_save(instance, False), db) for f in fields]
    params.append(meta.pk.get_db_prep_value(instance.pk, db))
    with cursor() as found:
        found.execute(sql, params)
        if found.rowcount != 1:
            # Every concrete model has DoesNotExist; django-stubs' Model has not.
            raise model.DoesNotExist(f"{meta.label} {instance.pk} was not updated (gone?)")  # type: ignore[attr-defined]


def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with cursor() as found:
        found.execute(sql, params)
        result: list[tuple[Any, ...]] = found.fetchall()
        return result


class Columns:
    """Chosen columns of one or more tables, read and converted as the ORM would: `Columns((User, "u", "upn"), ...)`.

    `sql` is the select list ("u"."upn", ...); `convert(row)` turns a raw row into Python values (UUIDs,
    aware datetimes, booleans, decimals) field by field.
    """

    def __init__(self, *specs: tuple[type[Model], str, str]) -> None:
        self._specs = specs
        self._built: dict[str, tuple[str, Converters]] = {}

    def _build(self) -> tuple[str, Converters]:
        vendor = _db().vendor
        if vendor not in self._built:
            parts: list[str] = []
            converters: Converters = []
            for model, alias, name in self._specs:
                field = cast(AnyField, model._meta.get_field(name))
                parts.append(f"{quote(alias)}.{quote(_column_name(field))}")
                converters.extend(_converters(model, [field]))
            self._built[vendor] = (", ".join(parts), converters)
        return self._built[vendor]

    @property
    def sql(self) -> str:
        return self._build()[0]

    def convert(self, row: Sequence[Any]) -> list[Any]:
        return _convert(row, self._build()[1])


class Row:
    """Every concrete column of `model` under the table alias `alias`, read as fetch() reads them, for a statement
    that reads the row among others: `sql` is the select list (`width` values), `instance(values)` the instance
    the ORM would make of them, or None when the primary key is NULL (a LEFT JOIN that found no row)."""

    def __init__(self, model: type[M], alias: str) -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.width = len(fields)
        self._names = [f.attname for f in fields]
        self._pk = self._names.index(model._meta.pk.attname)
        self._columns = Columns(*[(model, alias, f.name) for f in fields])

    @property
    def sql(self) -> str:
        return self._columns.sql

    def instance(self, values: Sequence[Any]) -> Any:
        if values[self._pk] is None:
            return None
        return self.model.from_db(_db().alias, self._names, self._columns.convert(values))


class Statement:
    """SQL written once per database vendor by `build()` (which may use table() and column())."""

    def __init__(self, build: Callable[[], str]) -> None:
        self._build = build
        self._sql: dict[str, str] = {}

    @property
    def sql(self) -> str:
        vendor = _db().vendor
        if vendor not in self._sql:
            self._sql[vendor] = self._build()
        return self._sql[vendor]

    def rows(self, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return rows(self.sql, params)

    def execute(self, params: Sequence[Any]) -> int:
        with cursor() as found:
            found.execute(self.sql, params)
            count: int = found.rowcount
            return count
