"""Reads of reports from a streaming replica (DATABASE_REPLICA_URL); money never reads from one.

Only call records, their daily totals and blocked calls (the big tables reports scan) are read from the replica, and only inside
`replica_reads()`: the PSTN usage, blocked users and spend reports, their exports and Graph getPstnCalls
(ops.middleware.ReplicaReadsMiddleware and the export task's signal in ops/signals.py). Everything else,
credits, ledger, invoices, and every write, goes to the primary.

Before using the replica a process checks it (at most every OPS_REPLICA_CHECK_SECONDS): reachable, and replaying
no more than OPS_REPLICA_MAX_LAG_SECONDS behind the primary. A replica that is down or lags sends the reads back to
the primary with a warning in the logs (once per change) and commscredits_replica_usable 0 in /metrics: a report is
never an error page for it.
"""
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

REPLICA = "replica"
READ_MODELS = frozenset({("rating", "callrecord"), ("rating", "callusageday"), ("rating", "callusagechange"),
                         ("rating", "blockedcall")})
_reads = ContextVar("replica_reads", default=False)
_state = {"usable": None, "lag_seconds": None, "checked": 0.0, "problem": ""}
_lock = threading.Lock()

# Seconds the replica's replay is behind the primary: 0 when it has replayed all the primary has written.
LAG_SQL = ("SELECT CASE WHEN pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0 "
           "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END")


def configured():
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    token = _reads.set(True)
    try:
        yield
    finally:
        _reads.reset(token)


def _measure():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_lsn = cursor.fetchone()[0]
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            if not cursor.fetchone()[0]:
                return None, "it is not a standby (not in recovery)"
            cursor.execute(LAG_SQL, [primary_lsn])
            lag = cursor.fetchone()[0]
        return float(lag or 0), ""
    finally:
        replica.close()  # a check never keeps a replica connection open across a replica restart


def replica_state(*, now=None):
    """{usable, lag_seconds, problem} of the replica (checked at most every OPS_REPLICA_CHECK_SECONDS), or None when
    no replica is configured."""
    if not configured():
        return None
    now = time.monotonic() if now is None else now
    with _lock:
        if _state["usable"] is not None and now - _state["checked"] < settings.OPS_REPLICA_CHECK_SECONDS:
            return dict(_state)
        try:
            lag, problem = _measure()
        except Exception as exc:  # down, refused, timed out: the primary answers instead
            lag, problem = None, f"unreachable ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:160]})"
        if not problem and lag > settings.OPS_REPLICA_MAX_LAG_SECONDS:
            problem = f"{lag:.0f} s behind the primary (limit {settings.OPS_REPLICA_MAX_LAG_SECONDS} s)"
        usable = not problem
        if usable != _state["usable"]:
            if usable:
                log.info("Read replica usable again (%.1f s behind): reports read from it", lag)
            else:
                log.warning("Read replica %s: reports read from the primary", problem)
        _state.update(usable=usable, lag_seconds=lag, checked=now, problem=problem)
        return dict(_state)


def forget_replica_state():
    with _lock:
        _state.update(usable=None, lag_seconds=None, checked=0.0, problem="")


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _reads.get() or (model._meta.app_label, model._meta.model_name) not in READ_MODELS:
            return None
        state = replica_state()
        return REPLICA if state and state["usable"] else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a physical copy: the primary's migrations arrive by replication
