"""Call records partitioned by month on PostgreSQL (billing/rating/partitions.py); SQLite keeps one table.

The two one-to-one keys that point at a call record lose their database constraint first (no foreign key can point
at a partitioned table's id alone). On PostgreSQL the table is then rebuilt as `PARTITION BY RANGE (start_at)` with
a partition for every month from its oldest call to RATING_PARTITIONS_AHEAD_MONTHS ahead and a default partition,
its rows copied over, the identity carried on past the highest id; keys and indexes keep their names, the unique ones
with start_at added.
"""
import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "rating_callrecord"
CHECKS_AND_INDEXES = [
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_callrecord_pkey PRIMARY KEY (id, start_at)",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_callrecord_usage_id_key UNIQUE (usage_id, start_at)",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_call_unique_call_id UNIQUE (tenant_id, call_id, start_at)",
    f"CREATE INDEX rating_call_tenant_start ON {TABLE} (tenant_id, start_at DESC)",
    f"CREATE INDEX rating_call_user_start ON {TABLE} (user_id, tenant_id, start_at DESC)",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_callrecord_tenant_id_81026ada_fk_accounts_tenant_id "
    "FOREIGN KEY (tenant_id) REFERENCES accounts_tenant (id) DEFERRABLE INITIALLY DEFERRED",
]
PLAIN_KEYS_AND_INDEXES = [
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_callrecord_pkey PRIMARY KEY (id)",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_callrecord_usage_id_key UNIQUE (usage_id)",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_call_unique_call_id UNIQUE (tenant_id, call_id)",
    f"CREATE INDEX rating_call_tenant_start ON {TABLE} (tenant_id, start_at DESC)",
    f"CREATE INDEX rating_call_user_start ON {TABLE} (user_id, tenant_id, start_at DESC)",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT rating_callrecord_tenant_id_81026ada_fk_accounts_tenant_id "
    "FOREIGN KEY (tenant_id) REFERENCES accounts_tenant (id) DEFERRABLE INITIALLY DEFERRED",
]


def _month(year, month):
    return datetime.datetime(year, month, 1, tzinfo=datetime.UTC)


def _next(month, count=1):
    index = month.year * 12 + month.month - 1 + count
    return _month(index // 12, index % 12 + 1)


def _rebuild(cursor, *, partitioned):
    """The table again, partitioned or plain, with the same columns, rows, checks, keys and indexes."""
    new = f"{TABLE}_rebuilt"
    tail = " PARTITION BY RANGE (start_at)" if partitioned else ""
    cursor.execute(f"CREATE TABLE {new} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY){tail}")
    if partitioned:
        cursor.execute(f"SELECT min(start_at) FROM {TABLE}")
        oldest = cursor.fetchone()[0]
        now = datetime.datetime.now(datetime.UTC)
        month = _month(*(oldest.year, oldest.month) if oldest else (now.year, now.month))
        last = _next(_month(now.year, now.month), getattr(settings, "RATING_PARTITIONS_AHEAD_MONTHS", 3))
        while month <= last:
            cursor.execute(f"CREATE TABLE {TABLE}_y{month.year:04d}m{month.month:02d} PARTITION OF {new} "
                           "FOR VALUES FROM (%s) TO (%s)", [month, _next(month)])
            month = _next(month)
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {new} DEFAULT")
    cursor.execute(f"INSERT INTO {new} SELECT * FROM {TABLE}")
    cursor.execute(f"DROP TABLE {TABLE}")
    cursor.execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
    cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
    cursor.execute(f"SELECT setval('{TABLE}_id_seq', coalesce((SELECT max(id) FROM {TABLE}), 0) + 1, false)")
    for statement in CHECKS_AND_INDEXES if partitioned else PLAIN_KEYS_AND_INDEXES:
        cursor.execute(statement)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):

    dependencies = [
        ('rating', '0009_spend_control_block_reasons_and_held_user_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='callauthorization',
            name='call_record',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='authorization', to='rating.callrecord'),
        ),
        migrations.AlterField(
            model_name='minutepoolusage',
            name='call_record',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='pool_usage', to='rating.callrecord'),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
