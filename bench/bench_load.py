"""Open-loop load on the production profile: authorize + complete for 50 tenants at 50%, 80% and 100% of capacity.

Creates its own database (BENCH_DATABASE_NAME, default bench_load) on the PostgreSQL server of BENCH_DATABASE_URL,
migrates it and sets up 50 tenants of 20 callers each (Teams Phone; most with a Domestic Calling Plan and
Communications Credits, some with credits alone), funded, with an API token each. Starts `bin/run-production`
against it (gunicorn, the Celery workers and beat, Redis database BENCH_REDIS_URL), then:

1. capacity: closed-loop clients (each sends its next call as soon as the last one is answered) for --seconds;
   the pairs per second they reach is the capacity;
2. open loop at 50%, 80% and 100% of it: calls arrive on a fixed schedule (one every 1/rate seconds, whatever the
   server is doing), each sent by a pool of sender threads; a call's latency is counted from the instant it was
   due, so a server that falls behind is charged for the queue it builds (no coordinated omission).
   The mix: 60% domestic calls (the Calling Plan's pool, or credits), 20% international (credits), 10% inbound
   (free), 5% toll-free inbound to a service number, 5% to premium numbers (blocked).
3. after the run, `ledger_problems()` (check_ledger) for every tenant must be empty.

Prints p50/p99 of authorize and of complete, pairs per second achieved and the error rate at each step. Goal
(issue 21): at 80% of capacity, p99 authorize <= 50 ms and no errors. --db selects how web processes hold their
database connections: `pool` (psycopg's pool, Django's OPTIONS pool), `persistent` (CONN_MAX_AGE) or `none`.
"""
import argparse
import datetime
import http.client
import json
import os
import queue
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.support import django_setup  # noqa: E402

SEED = 20261203
TENANTS = 50
CALLERS = 20
P99_GOAL_MS = 50.0
STEPS = (0.5, 0.8, 1.0)


def fill():
    """TENANTS tenants: CALLERS users each with a user number, licenses, $50,000 of credits and an API token."""
    from accounts.models import Tenant, User
    from accounts.services import api_token_create
    from billing.credits.services import credits_adjust
    from billing.rating.models import TenantPhoneNumber
    from licensing.models import AssignedPlan, LicenseAssignment, Product

    products = {p.sku_part_number: p for p in Product.objects.prefetch_related("service_plans")}
    tenants = []
    for t in range(TENANTS):
        tenant = Tenant.objects.create(name=f"Load {t:02d}", initial_domain=f"load{t:02d}.bench", country="US",
                                       billing_country="US")
        users = [User(id=uuid.uuid4(), tenant=tenant, upn=f"caller{i:02d}@load{t:02d}.bench",
                      display_name=f"Caller {i:02d}", usage_location="US", password="!") for i in range(CALLERS)]
        User.objects.bulk_create(users)
        # three in four hold a Domestic Calling Plan (its pool pays domestic calls); every one holds credits
        licenses = [(u, part) for i, u in enumerate(users)
                    for part in (("MCOEV", "MCOPSTN1", "MCOPSTNC") if i % 4 else ("MCOEV", "MCOPSTNC"))]
        assignments = [LicenseAssignment(tenant=tenant, user=u, product=products[part]) for u, part in licenses]
        LicenseAssignment.objects.bulk_create(assignments)
        AssignedPlan.objects.bulk_create([
            AssignedPlan(tenant=tenant, user_id=a.user_id, assignment=a, service_plan=plan)
            for a in assignments for plan in products[a.product.sku_part_number].service_plans.all()])
        numbers = [TenantPhoneNumber(tenant=tenant, e164=f"+1425{500 + t:03d}{i:04d}", kind="user", country="US", user=u)
                   for i, u in enumerate(users)]
        numbers.append(TenantPhoneNumber(tenant=tenant, e164=f"+1800{500 + t:03d}0100", kind="toll_free", country="US"))
        TenantPhoneNumber.objects.bulk_create(numbers)
        credits_adjust(tenant=tenant, amount=Decimal(50_000), reason="Load funding", idempotency_key=f"load-{t}",
                       actor=None)
        _, token = api_token_create(tenant=tenant, name="platform", actor=None, scopes=["calls"])
        tenants.append({"token": token, "upns": [u.upn for u in users], "own": [n.e164 for n in numbers[:-1]],
                        "toll_free": numbers[-1].e164})
    return tenants


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Profile:
    def __init__(self, database_url, port, var_dir, db_mode, workers):
        self.port = port
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DB_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database_url, "VAR_DIR": var_dir,
            "CELERY_BROKER_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "CACHE_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "WORKER_CONCURRENCY": "1",
            "SECURE_SSL_REDIRECT": "false", "STATIC_FROM_FINDERS": "true", "RUN_MIGRATIONS": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "LOG_LEVEL": "WARNING",
            "OPS_ACCESS_LOG": "false", "OPS_BEAT_HEARTBEAT_SECONDS": "5", "ALLOW_SANDBOX_GATEWAY": "true",
            **({"DB_POOL": "true"} if db_mode == "pool" else {"DB_CONN_MAX_AGE": "600"} if db_mode == "persistent"
               else {"DB_CONN_MAX_AGE": "0"}),
        }
        self.log = open(Path(var_dir) / "run-production.log", "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(["bash", str(REPO_ROOT / "bin" / "run-production")], cwd=REPO_ROOT, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bin/run-production exited with {self.process.returncode}")
            try:
                if request(port, "GET", "/readyz", None, {})[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit("the production profile was not ready within 120 s")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


_local = threading.local()


def request(port, method, path, body, headers):
    """One request on this thread's kept-alive connection (opened again after an error)."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        connection.close()
        _local.connection = None
        raise


class Calls:
    """The realistic mix: each call() makes one authorize and, when allowed, one complete; returns the two
    latencies (ms, complete None when blocked) and whether anything failed."""

    def __init__(self, port, tenants):
        self.port, self.tenants = port, tenants
        self.serial = iter(range(10**9))
        self.lock = threading.Lock()
        self.first_errors = []

    def failed(self, what):
        with self.lock:
            if len(self.first_errors) < 3:
                self.first_errors.append(what[:300])
        return True

    def call(self, rng, due=None):
        with self.lock:
            call_id = f"load-{next(self.serial)}-{uuid.uuid4().hex[:6]}"
        tenant = self.tenants[rng.randrange(len(self.tenants))]
        auth = {"Authorization": f"Bearer {tenant['token']}"}
        upn = rng.choice(tenant["upns"])
        kind = rng.random()
        local = f"{rng.randrange(200, 1000)}{rng.randrange(10**4):04d}"  # a valid North American exchange and line
        if kind < 0.60:
            body = {"callType": "user_out", "userPrincipalName": upn, "calleeNumber": f"+1206{local}"}
        elif kind < 0.80:
            body = {"callType": "user_out", "userPrincipalName": upn, "calleeNumber": f"+447400{rng.randrange(10**6):06d}"}
        elif kind < 0.90:
            body = {"callType": "user_in", "userPrincipalName": upn, "calleeNumber": rng.choice(tenant["own"]),
                    "callerNumber": f"+1312{local}"}
        elif kind < 0.95:
            body = {"callType": "unassigned_in", "calleeNumber": tenant["toll_free"],
                    "callerNumber": f"+1312{local}"}
        else:
            body = {"callType": "user_out", "userPrincipalName": upn, "calleeNumber": f"+1900{local}"}
        start = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        sent = due if due is not None else time.perf_counter()
        try:
            status, answer = request(self.port, "POST", "/api/v1/calls/authorize",
                                     {"callId": call_id, "startDateTime": start, **body}, auth)
        except Exception as exc:  # noqa: BLE001 (an error of the run, counted)
            return (time.perf_counter() - sent) * 1000, None, self.failed(f"authorize: {exc!r}")
        authorize_ms = (time.perf_counter() - sent) * 1000
        if status != 200:
            return authorize_ms, None, self.failed(f"authorize {status}: {answer!r}")
        if json.loads(answer)["decision"] != "allowed":
            return authorize_ms, None, False
        began = time.perf_counter()
        try:
            status, answer = request(self.port, "POST", f"/api/v1/calls/{call_id}/complete",
                                {"durationSeconds": rng.randint(5, 900)}, auth)
        except Exception as exc:  # noqa: BLE001
            return authorize_ms, (time.perf_counter() - began) * 1000, self.failed(f"complete: {exc!r}")
        return authorize_ms, (time.perf_counter() - began) * 1000, (
            status != 200 and self.failed(f"complete {status}: {answer!r}"))


def closed_loop(calls, clients, seconds):
    """Pairs per second `clients` back-to-back clients reach."""
    stop, done, errors = threading.Event(), [0] * clients, [0] * clients

    def loop(index):
        rng = random.Random(SEED + index)
        while not stop.is_set():
            _, _, failed = calls.call(rng)
            done[index] += 1
            errors[index] += failed

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started), sum(errors)


def open_loop(calls, rate, seconds, senders):
    """Calls due every 1/rate s for `seconds`; latency from the instant each was due."""
    due_queue, results, lock = queue.Queue(), [], threading.Lock()

    def sender(index):
        rng = random.Random(SEED * 7 + index)
        while True:
            due = due_queue.get()
            if due is None:
                return
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            outcome = calls.call(rng, due=due)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    begin = time.perf_counter() + 0.2
    total = int(rate * seconds)
    for n in range(total):
        due_queue.put(begin + n / rate)
    for _ in threads:
        due_queue.put(None)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begin
    return results, elapsed


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each step")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients measuring capacity")
    parser.add_argument("--senders", type=int, default=64, help="open-loop sender threads")
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parser.add_argument("--db", choices=["pool", "persistent", "none"], default="persistent")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_name = os.environ.get("BENCH_DATABASE_NAME", "bench_load")
    import tempfile

    var_dir = tempfile.mkdtemp(prefix="bench-load-")
    django_setup(database_url=database_url, database_name=database_name, VAR_DIR=var_dir, LOG_LEVEL="WARNING")

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from billing.credits.ledger_check import ledger_problems

    if connection.vendor != "postgresql":
        print(f"load bench needs PostgreSQL (BENCH_DATABASE_URL={database_url}); skipped")
        return 0
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    profile = None
    try:
        started = time.perf_counter()
        tenants = fill()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        server_db = database_url.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
        port = free_port()
        profile = Profile(server_db, port, var_dir, args.db, args.web_workers)
        print(f"load bench: {TENANTS} tenants x {CALLERS} callers set up and the production profile ready in "
              f"{time.perf_counter() - started:.0f} s ({args.web_workers} gunicorn workers, database connections: "
              f"{args.db}, {os.cpu_count()} CPUs shared with the load generator)", flush=True)
        calls = Calls(port, tenants)
        closed_loop(calls, args.clients, 3)  # warm every worker's caches
        capacity, capacity_errors = closed_loop(calls, args.clients, args.seconds)
        print(f"  capacity (closed loop, {args.clients} clients, {args.seconds:.0f} s): {capacity:.1f} calls/s "
              f"(authorize + complete), {capacity_errors} errors", flush=True)
        steps = []
        for share in STEPS:
            rate = capacity * share
            results, elapsed = open_loop(calls, rate, args.seconds, args.senders)
            authorize = [r[0] for r in results]
            complete = [r[1] for r in results if r[1] is not None]
            errors = sum(r[2] for r in results)
            steps.append((share, rate, len(results) / elapsed, percentile(authorize, 0.5), percentile(authorize, 0.99),
                          percentile(complete, 0.5), percentile(complete, 0.99), errors, len(results)))
            print(f"  open loop at {share:.0%} ({rate:.1f} calls/s offered, {len(results) / elapsed:.1f} done): "
                  f"authorize p50 {steps[-1][3]:.1f} ms p99 {steps[-1][4]:.1f} ms; complete p50 {steps[-1][5]:.1f} ms "
                  f"p99 {steps[-1][6]:.1f} ms; errors {errors}/{len(results)} ({errors / max(1, len(results)):.2%})",
                  flush=True)
    finally:
        if profile is not None:
            profile.stop()
    if profile is not None and calls.first_errors:
        print("  first errors: " + " | ".join(calls.first_errors))
    problems = ledger_problems()
    from billing.rating.models import CallRecord

    records = CallRecord.objects.count()
    connection.close()
    teardown_databases(config, verbosity=0)
    print(f"  after the run: {records:,} call records; check_ledger over {TENANTS} tenants: "
          f"{'holds' if not problems else f'{len(problems)} problems: {problems[:3]}'}")
    at80 = next(step for step in steps if step[0] == 0.8)
    met = at80[4] <= P99_GOAL_MS and at80[7] == 0
    print(f"  goal p99 authorize <= {P99_GOAL_MS:.0f} ms with 0 errors at 80% of capacity: {'met' if met else 'NOT met'} "
          f"(p99 {at80[4]:.1f} ms, {at80[7]} errors)")
    return 0 if met and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
