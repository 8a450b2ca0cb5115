"""Append-only tables enforced by the database: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).

The models already refuse to change or delete these rows (save/delete/QuerySet.update raise); the triggers make
the database refuse too, whoever sends the SQL: a raw statement, a bulk update, a script, another client. Each
app installs them in a migration with `install(model_name, ...)`:

- `mutable`: columns a row may still change (an issued invoice's PDF and payment status); any other column
  changing is refused.
- `only_to_null`: columns that may change only to NULL (the actor of an entry whose user was deleted: Django's
  SET_NULL), so removing a user never needs the triggers off; the entry keeps its actor_label.

Refusals surface as django.db.IntegrityError ("<table> is append-only: UPDATE refused").

`suspended()` lifts the triggers inside the current transaction, for tests and a supervised repair only: on
PostgreSQL it needs a superuser (session_replication_role), which the production role is not (README). On SQLite
it drops the triggers and recreates them from their stored SQL before the block ends.
"""
import contextlib

from django.db import connection, connections, migrations, transaction

PREFIX = "append_only"


def _names(table):
    return {op: f"{PREFIX}_{table}_{op}"[:63] for op in ("update", "delete", "truncate")}


def _postgresql(table, columns, mutable, only_to_null, quote):
    names = _names(table)
    frozen = [c for c in columns if c not in mutable and c not in only_to_null]
    changed = [f"(OLD.{quote(c)}) IS DISTINCT FROM (NEW.{quote(c)})" for c in frozen]
    changed += [f"(NEW.{quote(c)} IS NOT NULL AND NEW.{quote(c)} IS DISTINCT FROM OLD.{quote(c)})" for c in only_to_null]
    when = f" WHEN ({' OR '.join(changed)})" if mutable or only_to_null else ""
    t = quote(table)
    return [
        f"""CREATE OR REPLACE FUNCTION {PREFIX}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
            END $$""",
        f"DROP TRIGGER IF EXISTS {quote(names['update'])} ON {t}",
        f"CREATE TRIGGER {quote(names['update'])} BEFORE UPDATE ON {t} FOR EACH ROW{when} "
        f"EXECUTE FUNCTION {PREFIX}_refuse()",
        f"DROP TRIGGER IF EXISTS {quote(names['delete'])} ON {t}",
        f"CREATE TRIGGER {quote(names['delete'])} BEFORE DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {PREFIX}_refuse()",
        f"DROP TRIGGER IF EXISTS {quote(names['truncate'])} ON {t}",
        f"CREATE TRIGGER {quote(names['truncate'])} BEFORE TRUNCATE ON {t} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PREFIX}_refuse()",
    ]


def _sqlite(table, columns, mutable, only_to_null, quote):
    names = _names(table)
    frozen = [c for c in columns if c not in mutable and c not in only_to_null]
    changed = [f"NEW.{quote(c)} IS NOT OLD.{quote(c)}" for c in frozen]
    changed += [f"(NEW.{quote(c)} IS NOT NULL AND NEW.{quote(c)} IS NOT OLD.{quote(c)})" for c in only_to_null]
    when = f" WHEN {' OR '.join(changed)}" if mutable or only_to_null else ""
    t = quote(table)
    return [
        f"DROP TRIGGER IF EXISTS {quote(names['update'])}",
        f"CREATE TRIGGER {quote(names['update'])} BEFORE UPDATE ON {t} FOR EACH ROW{when} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
        f"DROP TRIGGER IF EXISTS {quote(names['delete'])}",
        f"CREATE TRIGGER {quote(names['delete'])} BEFORE DELETE ON {t} FOR EACH ROW "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
    ]


def _drop(table, vendor, quote):
    names = _names(table)
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {quote(names[op])} ON {quote(table)}" for op in names]
    return [f"DROP TRIGGER IF EXISTS {quote(names[op])}" for op in ("update", "delete")]


def install(model_name, *, app_label, mutable=(), only_to_null=()):
    """A migration operation installing the append-only triggers on `app_label.model_name` (field names given)."""

    def columns_of(apps):
        model = apps.get_model(app_label, model_name)
        fields = {f.name: f.column for f in model._meta.concrete_fields}
        return (model._meta.db_table, list(fields.values()), [fields[name] for name in mutable],
                [fields[name] for name in only_to_null])

    def forward(apps, schema_editor):
        table, columns, mutable_columns, null_columns = columns_of(apps)
        vendor, quote = schema_editor.connection.vendor, schema_editor.quote_name
        build = {"postgresql": _postgresql, "sqlite": _sqlite}.get(vendor)
        if build is None:
            raise NotImplementedError(f"Append-only triggers are written for PostgreSQL and SQLite, not {vendor}.")
        for statement in build(table, columns, mutable_columns, null_columns, quote):
            schema_editor.execute(statement, params=None)

    def backward(apps, schema_editor):
        table, *_ = columns_of(apps)
        for statement in _drop(table, schema_editor.connection.vendor, schema_editor.quote_name):
            schema_editor.execute(statement, params=None)

    return migrations.RunPython(forward, backward, elidable=False)


@contextlib.contextmanager
def suspended(using=None):
    """Lifts the append-only triggers until the block ends (tests, a supervised repair). Runs in a transaction."""
    conn = connection if using is None else connections[using]
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
                try:
                    yield
                finally:
                    cursor.execute("SET LOCAL session_replication_role = origin")
                return
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                           [f"{PREFIX}_%"])
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {conn.ops.quote_name(name)}")
            try:
                yield
            finally:
                for _, sql in triggers:
                    cursor.execute(sql)


def allow_test_flush():
    """Lets Django's test flush (TransactionTestCase, between transactional tests) empty the protected tables."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "append_only_aware", False):
        return

    def execute_sql_flush(self, sql_list):
        with suspended(using=self.connection.alias):
            return original(self, sql_list)

    execute_sql_flush.append_only_aware = True  # type: ignore[attr-defined]
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
