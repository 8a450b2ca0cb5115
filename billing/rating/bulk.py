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
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


def insert_rows(model, fields, rows):
    """Inserts `rows` (tuples in `fields` order, `id` included when the ids were reserved) into `model`'s table.

    Returns the primary keys in row order.
    """
    if not rows:
        return []
    if is_postgresql():
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return [row[fields.index("id")] for row in rows] if "id" in fields else []
    attnames = [model._meta.get_field(name).attname for name in fields]
    created = model.objects.bulk_create([model(**dict(zip(attnames, row, strict=True))) for row in rows],
                                        batch_size=500)
    return [obj.pk for obj in created]
