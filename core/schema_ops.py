"""Migration operations the schema editors lack.

`without_column_index` stops indexing a foreign key's column alone (db_index=False) by dropping that one index.
Django's AlterField would do the same on PostgreSQL, but on SQLite it copies the whole table into a new one, which
drops the append-only triggers (core/append_only.py) of a protected table and takes time on a large one.
"""
from typing import Any

from django.db import migrations
from django.db.migrations.operations.base import Operation


def without_column_index(model_name: str, name: str, field: Any) -> Operation:
    """AlterField(model_name, name, field) where `field` only turns the column's own index off."""

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[_DropColumnIndex(model_name, name)])


class _DropColumnIndex(Operation):
    """Drops the index on one column that Django created for a foreign key (found by introspection, any name)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, name: str) -> None:
        self.model_name, self.name = model_name, name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.name).column
        for index in schema_editor._constraint_names(model, [column], index=True, primary_key=False, unique=False):
            schema_editor.execute(schema_editor._delete_index_sql(model, index))

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

    def describe(self) -> str:
        return f"Drop the index on {self.model_name}.{self.name} alone"
