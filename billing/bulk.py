"""Inserting many rows fast: COPY on PostgreSQL, bulk_create elsewhere; ids handed out before the insert.

Rows are tuples of database-ready values (str, int, Decimal, aware datetime, UUID, None) in the order of
`fields`, so an import builds no model instance per row on PostgreSQL. Used only inside the caller's
transaction, for tables whose invariants the caller has already checked under its locks.
"""
from django.db import connection


def is_postgresql():
    return connection.vendor == "postgresql"


def reserve_ids(model, count):
    """`count` new primary keys for `model` (PostgreSQL: from its identity sequence); None elsewhere."""
    if not count or not is_postgresql():
        return None
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # One array value instead of `count` result rows: the client decodes one value.
        cursor.execute("SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) FROM generate_series(1, %s)",
                       [table, count])
        return cursor.fetchone()[0]


def _postgresql_type(field):
    """The column's type name as psycopg knows it: "varchar(128)" -> "varchar", a foreign key -> its target's."""
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    return db_type.split("(")[0].strip()


def insert_rows(model, fields, rows):
    """Inserts `rows` (tuples in `fields` order, `id` included when the ids were reserved) into `model`'s table.

    Returns the primary keys in row order.
    """
    if not rows:
        return []
    if is_postgresql():
        model_fields = [model._meta.get_field(name) for name in fields]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in model_fields)
        # Binary COPY: psycopg's C dumpers write each value without formatting it as text first.
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.set_types([_postgresql_type(field) for field in model_fields])
            for row in rows:
                copy.write_row(row)
        return [row[fields.index("id")] for row in rows] if "id" in fields else []
    attnames = [model._meta.get_field(name).attname for name in fields]
    created = model.objects.bulk_create([model(**dict(zip(attnames, row, strict=True))) for row in rows],
                                        batch_size=500)
    return [obj.pk for obj in created]
