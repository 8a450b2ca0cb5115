"""Inserting many rows fast: COPY on PostgreSQL, bulk_create elsewhere; ids handed out before the insert.

Rows are tuples of database-ready values (str, int, Decimal, aware datetime, UUID, None) in the order of
`fields`, so an import builds no model instance per row on PostgreSQL. Used only inside the caller's
transaction, for tables whose invariants the caller has already checked under its locks.
"""
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[Model], count: int) -> list[Any] | None:
    """`count` new primary keys for `model` (PostgreSQL: from its identity sequence); None elsewhere."""
    if not count or not is_postgresql():
        return None
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # One array value instead of `count` result rows: the client decodes one value.
        cursor.execute("SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) FROM generate_series(1, %s)",
                       [table, count])
        ids: list[Any] = cursor.fetchone()[0]
        return ids


def _postgresql_type(field: "Field[Any, Any]") -> str:
    """The column's type name as psycopg knows it: "varchar(128)" -> "varchar", a foreign key -> its target's."""
    db_type = cast(str, field.rel_db_type(connection) if field.is_relation else field.db_type(connection))
    return db_type.split("(")[0].strip()


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Any]:
    """Inserts `rows` (an iterable of tuples in `fields` order, `id` included when the ids were reserved) into
    `model`'s table. Returns the primary keys in row order.

    On PostgreSQL each row is sent as it comes: a generator that builds the rows works while the server writes
    the ones before.
    """
    if is_postgresql():
        model_fields = [cast("Field[Any, Any]", model._meta.get_field(name)) for name in fields]
        columns = ", ".join(connection.ops.quote_name(cast(str, field.column)) for field in model_fields)
        # Binary COPY: psycopg's C dumpers write each value without formatting it as text first.
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
        id_index = fields.index("id") if "id" in fields else None
        ids = []
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.set_types([_postgresql_type(field) for field in model_fields])
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                if id_index is not None:
                    ids.append(row[id_index])
        return ids
    attnames = [cast("Field[Any, Any]", model._meta.get_field(name)).attname for name in fields]
    objects = [model(**{name: value for name, value in zip(attnames, row, strict=True) if name != "id" or value is not None})
               for row in rows]
    return [obj.pk for obj in model._default_manager.bulk_create(objects, batch_size=500)] if objects else []
