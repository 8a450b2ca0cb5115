"""Call records partitioned by month (PostgreSQL declarative partitioning); SQLite keeps one table.

`rating_callrecord` is partitioned by range of `start_at`, a partition a calendar month (UTC) named
`rating_callrecord_yYYYYmMM`, and a default partition that catches a call outside every month made so far (an
import of an old call, a clock far off). Reports read a tenant's calls by time: the planner opens only the months
asked for. A partition's keys must contain `start_at`, so on PostgreSQL the primary key is (id, start_at) and the
unique keys (usage_id, start_at) and (tenant_id, call_id, start_at); a call id stays unique per tenant through
the authorization's and the ledger's own unique keys and the import's check under the account lock.

Beat runs `partitions_ensure` daily (ops/tasks.py): the current month and RATING_PARTITIONS_AHEAD_MONTHS after it
exist before any call needs them; rows of a new month found in the default partition move into it.
`partitions_retire` exports each month older than RATING_RETENTION_MONTHS to `<RATING_ARCHIVE_DIR>/<partition>.csv.gz`
(every column, with a header), checks the row count, then detaches and drops the partition. The ledger is not
touched: its call debits stay, with their call ids and amounts. The month's daily totals (usage_days.py) go with it.
"""
import datetime
import gzip
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from .usage_days import usage_days_forget

log = logging.getLogger(__name__)

TABLE = "rating_callrecord"
KEY = "start_at"
DEFAULT = f"{TABLE}_default"
_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


def supported():
    return connection.vendor == "postgresql"


def month_start(when):
    return datetime.datetime(when.year, when.month, 1, tzinfo=datetime.UTC)


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return datetime.datetime(index // 12, index % 12 + 1, 1, tzinfo=datetime.UTC)


def partition_name(month):
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


@dataclass(frozen=True)
class Partition:
    name: str
    month: datetime.datetime  # first instant of the month, UTC

    @property
    def end(self):
        return add_months(self.month, 1)


def partitions(cursor=None):
    """The monthly partitions attached to the call records table, oldest first (the default one left out)."""
    if not supported():
        return []
    with (cursor or connection.cursor()) as cur:
        cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = %s::regclass", [TABLE])
        names = [row[0] for row in cur.fetchall()]
    found = []
    for name in names:
        match = _NAME.match(name)
        if match:
            found.append(Partition(name, datetime.datetime(int(match[1]), int(match[2]), 1, tzinfo=datetime.UTC)))
    return sorted(found, key=lambda partition: partition.month)


def _create(cursor, month):
    """The month's partition; the default partition's rows of that month move into it in the same transaction."""
    name, start, end = partition_name(month), month, add_months(month, 1)
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE {KEY} >= %s AND {KEY} < %s)",  # noqa: S608 (constants)
                   [start, end])
    if not cursor.fetchone()[0]:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)", [start, end])
        return 0
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {KEY} >= %s AND {KEY} < %s RETURNING *) "  # noqa: S608
                   f"INSERT INTO {name} SELECT * FROM moved", [start, end])  # (a name made by partition_name)
    moved = cursor.rowcount
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end])
    return moved


def partitions_ensure(*, now, months_ahead, months_back=0):
    """Creates the missing monthly partitions from `months_back` months before `now`'s month to `months_ahead`
    after it; returns the names created. Nothing on SQLite."""
    if not supported():
        return []
    first = add_months(month_start(now), -months_back)
    existing = {partition.name for partition in partitions()}
    created = []
    for offset in range(months_back + months_ahead + 1):
        month = add_months(first, offset)
        if partition_name(month) in existing:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            # Two beats (or a beat and a migration) never create the same month twice.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
            if partition_name(month) in {p.name for p in partitions(connection.cursor())}:
                continue
            moved = _create(cursor, month)
        created.append(partition_name(month))
        log.info("Call records: partition %s created (%s rows moved from the default partition)",
                 partition_name(month), moved)
    return created


@dataclass(frozen=True)
class Archived:
    partition: str
    rows: int
    path: Path


def _export(name, path):
    """COPY of the partition to gzip CSV with a header; the number of rows COPY wrote (its command tag)."""
    temporary = path.with_suffix(".tmp")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with gzip.open(temporary, "wb") as out, raw.copy(
                f"COPY (SELECT * FROM {name} ORDER BY {KEY}, id) TO STDOUT WITH (FORMAT csv, HEADER)"  # noqa: S608
        ) as copy:  # the partition's name matched _NAME
            for block in copy:
                out.write(block)
        rows = raw.rowcount
    os.replace(temporary, path)
    return rows


def partitions_retire(*, now, keep_months, archive_dir):
    """Exports, then detaches and drops, every monthly partition that ended before the `keep_months` months up to
    and including `now`'s month. A partition whose row count changed during the export is kept for the next run."""
    if not supported() or keep_months <= 0:
        return []
    cutoff = add_months(month_start(now), -(keep_months - 1))
    archive_dir = Path(archive_dir)
    archive_dir.mkdir(parents=True, exist_ok=True)
    archived = []
    for partition in partitions():
        if partition.end > cutoff:
            continue
        path = archive_dir / f"{partition.name}.csv.gz"
        exported = _export(partition.name, path)  # a read: calls go on being written meanwhile
        with transaction.atomic(), connection.cursor() as cursor:
            # Deferred key checks of rows written earlier in an enclosing transaction run now, not at a dropped table.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"LOCK TABLE {partition.name} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT count(*) FROM {partition.name}")  # noqa: S608 (a name matched by _NAME)
            if cursor.fetchone()[0] != exported:
                log.warning("Call records: %s changed while it was exported; kept for the next run", partition.name)
                continue
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {partition.name}")
            cursor.execute(f"DROP TABLE {partition.name}")
            usage_days_forget(start=partition.month.date(), end=partition.end.date())  # no trigger sees a DROP
        archived.append(Archived(partition.name, exported, path))
        log.info("Call records: %s archived to %s (%s rows) and dropped", partition.name, path, exported)
    return archived
