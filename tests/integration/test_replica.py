"""Reports read call records from a real streaming replica (pg_basebackup of the local PostgreSQL, started on
another port); a replica that lags or is down sends the reads back to the primary, with a warning, never an error.

Needs PostgreSQL to accept replication connections from 127.0.0.1 (.ci/run adds the pg_hba.conf line).
"""
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from billing.rating.models import CallRecord
from tests.factories import UserFactory

from .conftest import BASE_DIR, database_url, free_port, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.real_clock]

# Runs in a child process with DATABASE_REPLICA_URL set: the report page as a Reports reader, counting which
# database each query on call records went to, then /metrics.
CHILD = r"""
import json, sys
import django
django.setup()
from django.db import connections
from django.test import Client
from accounts.models import User

counts = {"default": 0, "replica": 0}
def counting(alias):
    def wrapper(execute, sql, params, many, context):
        if "rating_callrecord" in sql:
            counts[alias] += 1
        return execute(sql, params, many, context)
    return wrapper
client = Client()
client.force_login(User.objects.get(upn=sys.argv[1]))
with connections["default"].execute_wrapper(counting("default")), connections["replica"].execute_wrapper(counting("replica")):
    page = client.get("/reports/pstn-usage/", {"range": "7"})
metrics = client.get("/metrics").content.decode()
usable = [line for line in metrics.splitlines() if line.startswith("commscredits_replica_usable ")]
print(json.dumps({"status": page.status_code, "body": page.content.decode(errors="replace"), **counts,
                  "usable": usable[0].split()[1] if usable else None}))
"""


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def as_postgres(*command, **kwargs):
    """Runs a server command as the postgres user when the tests run as root (PostgreSQL refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=kwargs.pop("timeout", 180),
                          **kwargs)


class Replica:
    def __init__(self, port, data):
        self.port, self.data = port, data

    def sql(self, statement):
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=connection.settings_dict["NAME"],
                             autocommit=True, connect_timeout=3) as conn:
            return conn.execute(statement).fetchall()

    def has_call(self, call_id):
        return self.sql(f"SELECT count(*) FROM rating_callrecord WHERE call_id = '{call_id}'")[0][0] == 1

    def stop(self):
        as_postgres(pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")


@pytest.fixture
def replica(transactional_db):
    data = tempfile.mkdtemp(prefix="replica-", dir="/tmp")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    os.chmod(data, 0o700)
    db = connection.settings_dict
    backup = as_postgres(pg_bin("pg_basebackup"), "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432),
                         "-U", db["USER"], "-D", data, "-R", "-X", "stream", "-c", "fast")
    if backup.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        pytest.fail(f"pg_basebackup failed (does pg_hba.conf allow replication from 127.0.0.1? .ci/run adds it):\n"
                    f"{backup.stderr}")
    # Debian keeps a cluster's configuration in /etc/postgresql, outside the copied data directory: the standby gets
    # its own (everything else is the defaults, and the primary_conninfo that -R wrote to postgresql.auto.conf).
    for name, text in (("postgresql.conf", ""), ("pg_ident.conf", ""),
                       ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n")):
        path = os.path.join(data, name)
        if not os.path.exists(path):
            with open(path, "w") as config:
                config.write(text)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
    port = free_port()
    started = as_postgres(pg_bin("pg_ctl"), "-D", data, "-l", f"{data}/server.log", "-w", "-t", "60", "-o",
                          f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data} "
                          "-c hot_standby=on -c fsync=off", "start")
    if started.returncode != 0:
        log = open(f"{data}/server.log").read()[-3000:] if os.path.exists(f"{data}/server.log") else ""
        shutil.rmtree(data, ignore_errors=True)
        pytest.fail(f"the replica did not start:\n{started.stdout}{started.stderr}{log}")
    standby = Replica(port, data)
    yield standby
    standby.stop()
    shutil.rmtree(data, ignore_errors=True)


def report(replica, upn, **env):
    db = connection.settings_dict
    child_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
                 "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
                 "DATABASE_REPLICA_URL": f"postgres://{db['USER']}@127.0.0.1:{replica.port}/{db['NAME']}",
                 "OPS_REPLICA_CHECK_SECONDS": "0", **env}
    result = subprocess.run([sys.executable, "-c", CHILD, upn], cwd=BASE_DIR, env=child_env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def call(tenant, call_id, minutes_ago):
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=minutes_ago)
    return CallRecord.objects.create(
        tenant=tenant, usage_id=uuid.uuid4(), call_id=call_id, call_type="user_out", callee_number="+447400123456",
        user_principal_name="ada@contoso.test", destination_context="International", start_at=start,
        end_at=start + datetime.timedelta(minutes=1), duration_seconds=60, capability="MCOPSTNPP",
        charge=Decimal("0.25"), credit_minutes=1)


def test_reports_read_the_replica_and_fall_back_to_the_primary_when_it_lags_or_is_down(replica, tenant):
    reader = UserFactory(tenant=tenant, upn="reports@contoso.test", roles=["reports_reader"])
    call(tenant, "on-both", minutes_ago=30)
    wait_for(lambda: replica.has_call("on-both"), timeout=30, what="the replica to replay the first call")

    answer, _ = report(replica, reader.upn)
    assert answer["status"] == 200 and "+447400123456" in answer["body"]
    assert answer["replica"] >= 1 and answer["default"] == 0, answer  # every call-record read went to the replica
    assert answer["usable"] == "1.0"

    # Replay paused on the replica: a new call is on the primary only; the replica falls behind.
    replica.sql("SELECT pg_wal_replay_pause()")
    call(tenant, "primary-only", minutes_ago=10)
    time.sleep(2.5)
    answer, log = report(replica, reader.upn, OPS_REPLICA_MAX_LAG_SECONDS="1")
    assert answer["status"] == 200 and answer["replica"] == 0 and answer["default"] >= 1, answer
    assert answer["body"].count("+447400123456") >= 2  # the primary's answer has both calls
    assert "Read replica" in log and "behind the primary" in log and "reports read from the primary" in log
    assert answer["usable"] == "0.0"
    replica.sql("SELECT pg_wal_replay_resume()")

    # Down: still a report, from the primary.
    replica.stop()
    answer, log = report(replica, reader.upn)
    assert answer["status"] == 200 and answer["replica"] == 0 and answer["default"] >= 1, answer
    assert "Read replica unreachable" in log
    assert answer["usable"] == "0.0"

