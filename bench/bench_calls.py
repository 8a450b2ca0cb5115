"""Benchmark the call path on PostgreSQL: authorize+complete pairs over HTTP, and the bulk call-record import.

1. HTTP: starts gunicorn (this repo's .venv) on 127.0.0.1 against its own database, then N client threads
   send authorize + complete pairs for one tenant as fast as the server answers, next to a raw baseline
   measured the same way through the same server: /bench/raw does one UPDATE ... RETURNING and one INSERT
   (bench/calls_server_urls.py). An earlier goal asked for pairs per second at least half the baseline's requests
   per second. It also measures a floor: a request that comes in like authorize and complete (token, JSON body)
   and then does only the baseline's two statements. Half the floor's rate is the most pairs/s any call path can
   reach, and it is below that earlier goal itself (0.44 to 0.49 x the baseline on the 2-core machine). Goal
   (issue 14), the one the exit status follows: pairs per second at least 0.6 of the floor expressed in pairs.
   Then, in this process, CPU per pair against two floor requests: this process's, and its PostgreSQL backend's
   (read from /proc when the server runs on this machine). Steadier than the rates, and it says which side to cut.
2. Import: `call_records_import` in 10,000-row batches (realistic rows: most calls domestic within the pools,
   a share abroad paid by credits, inbound and dial-out), in this process. Goal: 1,000,000 rows in 120 s.

`--only http` or `--only import` runs one part alone; the default runs both.
Creates its own database (BENCH_DATABASE_NAME, default bench_calls) on the server of BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/postgres), and drops it at the end.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import signal
import socket
import statistics
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

SEED = 20261126
USERS = 200
LICENSES = ("MCOEV", "MCOPSTN1", "MCOPSTNC")
COUNTRIES = ("US", "US", "US", "US", "GB", "CA", "PR", "DE")
HOME_NUMBER = {"US": "+1425555{:04d}", "GB": "+4420794{:05d}", "CA": "+1613555{:04d}", "PR": "+1787555{:04d}",
               "DE": "+4930123{:05d}"}
ABROAD = ("+447400{:06d}", "+49151123{:05d}", "+33612{:06d}", "+9198765{:05d}", "+8190123{:05d}", "+202123{:05d}",
          "+551133{:06d}")
TOLL_FREE = "+18005550100"
# The people a company calls: most calls go to numbers called before (customers, suppliers, colleagues' mobiles).
CONTACTS_AT_HOME = 4_000
CONTACTS_ABROAD = 6_000
HISTORY = 20_000  # earlier calls of the tenant, imported before the HTTP part (history())
HTTP_GOAL_RATIO = 0.5
FLOOR_GOAL_RATIO = 0.6  # pairs/s against the floor expressed in pairs (issue 14)
IMPORT_GOAL_SECONDS = 120.0
IMPORT_GOAL_ROWS = 1_000_000


def number(rng, template):
    width = int(template.split(":")[1].rstrip("d}"))
    return template.format(rng.randrange(10 ** width))


def contacts():
    """{home country: numbers there}, and numbers abroad: the destinations the benchmark's calls dial."""
    rng = random.Random(SEED)
    home = {country: [number(rng, template) for _ in range(CONTACTS_AT_HOME)] for country, template in HOME_NUMBER.items()}
    return home, [number(rng, rng.choice(ABROAD)) for _ in range(CONTACTS_ABROAD)]


HOME_CONTACTS, ABROAD_CONTACTS = contacts()


def fill():
    """One tenant, USERS callers with Teams Phone + Domestic Calling Plan + Communications Credits, a user number
    each, a toll-free number, $300,000 of credits, an API token and the baseline's two tables."""
    from django.db import connection

    from accounts.models import Tenant, User
    from accounts.services import api_token_create
    from bench.calls_server_urls import COUNTER_TABLE, EVENT_TABLE
    from billing.credits.services import credits_adjust
    from billing.rating.models import TenantPhoneNumber
    from licensing.models import AssignedPlan, LicenseAssignment, Product

    tenant = Tenant.objects.create(name="Bench Calls", initial_domain="calls.bench", country="US", billing_country="US")
    products = {p.sku_part_number: p for p in Product.objects.prefetch_related("service_plans")}
    users = [User(id=uuid.uuid4(), tenant=tenant, upn=f"caller{i:04d}@calls.bench", display_name=f"Caller {i:04d}",
                  usage_location=COUNTRIES[i % len(COUNTRIES)], password="!") for i in range(USERS)]
    User.objects.bulk_create(users)
    assignments = [LicenseAssignment(tenant=tenant, user=u, product=products[part]) for u in users for part in LICENSES]
    LicenseAssignment.objects.bulk_create(assignments)
    AssignedPlan.objects.bulk_create([
        AssignedPlan(tenant=tenant, user_id=a.user_id, assignment=a, service_plan=plan)
        for a in assignments for plan in products[a.product.sku_part_number].service_plans.all()])
    numbers = [TenantPhoneNumber(tenant=tenant, e164=HOME_NUMBER[u.usage_location].format(i + 1), kind="user",
                                 country=u.usage_location, user=u) for i, u in enumerate(users)]
    numbers.append(TenantPhoneNumber(tenant=tenant, e164=TOLL_FREE, kind="toll_free", country="US"))
    TenantPhoneNumber.objects.bulk_create(numbers)
    for i in range(3):
        credits_adjust(tenant=tenant, amount=Decimal(100_000), reason="Benchmark funding", idempotency_key=f"bench-{i}",
                       actor=None)
    _, token = api_token_create(tenant=tenant, name="bench", actor=None, scopes=["calls"])
    history(tenant, users, numbers)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {COUNTER_TABLE} (id integer PRIMARY KEY, n bigint NOT NULL)")
        cursor.execute(f"INSERT INTO {COUNTER_TABLE} VALUES (1, 0)")
        cursor.execute(f"CREATE TABLE {EVENT_TABLE} (id bigserial PRIMARY KEY, n bigint NOT NULL, "
                       "at timestamptz NOT NULL)")
        cursor.execute("ANALYZE")
    return tenant, users, token


def history(tenant, users, numbers):
    """A year of the tenant's calls before the bench (HISTORY imported records and as many expired authorizations),
    so the tables the call path looks up hold what a running site's hold and the planner's statistics, taken by
    fill()'s ANALYZE, describe them: a plan made on near-empty tables scans them whole."""
    from billing.rating.models import CallAuthorization
    from billing.rating.services import call_records_import

    rng = random.Random(SEED - 1)
    own = {number.user.upn: number.e164 for number in numbers if number.user is not None}
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    batches = 2
    for index in range(batches):
        rows = import_rows(rng, users, own, HISTORY // batches, index, batches, now)
        for row in rows:
            row["call_id"] = f"hist-{row['call_id']}"
        result = call_records_import(tenant=tenant, rows=rows, actor=None)
        if result.errors:
            raise SystemExit(f"the history import refused rows: {result.errors[:3]}")
    CallAuthorization.objects.bulk_create([
        CallAuthorization(tenant=tenant, call_id=f"hist-auth-{index}", call_type="user_out",
                          user=users[index % len(users)], callee_number="+14255550100",
                          start_at=now - datetime.timedelta(minutes=index), capability="MCOPSTN1",
                          max_duration_seconds=3600, status=CallAuthorization.Status.EXPIRED,
                          authorized_at=now - datetime.timedelta(minutes=index),
                          expires_at=now - datetime.timedelta(minutes=index - 60), settled_at=now)
        for index in range(HISTORY)], batch_size=5000)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url, database_name, port, workers):
    server_db = database_url.rsplit("/", 1)[0] + "/" + database_name
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.calls_server_settings", "DATABASE_URL": server_db,
           "DB_CONN_MAX_AGE": "600", "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning", "--backlog", "256"],
        cwd=REPO_ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/api/schema/", None, {})
            if status:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def request(port, method, path, body, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_clients(clients, seconds, work):
    """Runs work(client index, rng) in a loop on `clients` threads for `seconds`; returns units done per second."""
    stop = threading.Event()
    done = [0] * clients
    failures = []

    def loop(index):
        rng = random.Random(SEED + index)
        while not stop.is_set():
            try:
                done[index] += work(index, rng)
            except Exception as exc:  # noqa: BLE001 (reported after the run)
                failures.append(repr(exc))
                stop.set()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"client failed: {failures[0]}")
    return sum(done) / elapsed


def call_of(rng, users, international_share):
    """(a caller, the number they dial): a contact at home, or abroad for `international_share` of the calls."""
    user = users[rng.randrange(len(users))]
    if rng.random() < international_share:
        return user, rng.choice(ABROAD_CONTACTS)
    return user, rng.choice(HOME_CONTACTS[user.usage_location])


def client_pair(client, call_id, upn, callee, seconds):
    """authorize + complete of one call through Django's test client (in this process)."""
    start = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
    answer = client.post("/api/v1/calls/authorize", {"callId": call_id, "callType": "user_out",
                         "userPrincipalName": upn, "calleeNumber": callee, "startDateTime": start},
                         content_type="application/json")
    if answer.status_code != 200:
        raise RuntimeError(f"authorize answered {answer.status_code}: {answer.content[:300]!r}")
    answer = client.post(f"/api/v1/calls/{call_id}/complete", {"durationSeconds": seconds},
                         content_type="application/json")
    if answer.status_code != 200:
        raise RuntimeError(f"complete answered {answer.status_code}: {answer.content[:300]!r}")

def pair_work(port, token, users, international_share):
    """authorize + complete of one call; `work.authorize_seconds` collects each authorize's latency."""
    auth = {"Authorization": f"Bearer {token}"}
    serial = iter(range(10**9))
    lock = threading.Lock()
    latencies = []

    def work(index, rng):
        with lock:
            call_id = f"bench-{index}-{next(serial)}"
        user, callee = call_of(rng, users, international_share)
        start = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        asked = time.perf_counter()
        status, body = request(port, "POST", "/api/v1/calls/authorize",
                               {"callId": call_id, "callType": "user_out", "userPrincipalName": user.upn,
                                "calleeNumber": callee, "startDateTime": start}, auth)
        latencies.append(time.perf_counter() - asked)
        if status != 200 or json.loads(body)["decision"] != "allowed":
            raise RuntimeError(f"authorize answered {status}: {body[:300]!r}")
        status, body = request(port, "POST", f"/api/v1/calls/{call_id}/complete",
                               {"durationSeconds": rng.randint(5, 900)}, auth)
        if status != 200:
            raise RuntimeError(f"complete answered {status}: {body[:300]!r}")
        return 1

    work.authorize_seconds = latencies
    return work


def raw_work(port):
    def work(index, rng):
        status, body = request(port, "POST", "/bench/raw", {}, {})
        if status != 200:
            raise RuntimeError(f"raw view answered {status}: {body[:200]!r}")
        return 1

    return work


def floor_work(port, token):
    auth = {"Authorization": f"Bearer {token}"}

    def work(index, rng):
        status, body = request(port, "POST", "/api/v1/calls/bench-floor", {"callId": f"floor-{index}"}, auth)
        if status != 200:
            raise RuntimeError(f"floor view answered {status}: {body[:200]!r}")
        return 1

    return work


def import_rows(rng, users, own_numbers, count, batch_index, batches, now):
    """`count` finished calls to the company's contacts (70% domestic, 15% abroad, 10% inbound, 5% toll-free inbound),
    the `batch_index`-th of `batches` consecutive slices of the last 360 days, as a telephony export comes."""
    rows = []
    slice_seconds = 360 * 86400 // batches
    slice_start = now - datetime.timedelta(seconds=(batches - batch_index) * slice_seconds)
    for i in range(count):
        user = users[rng.randrange(len(users))]
        roll = rng.random()
        start = slice_start + datetime.timedelta(seconds=rng.randrange(slice_seconds))
        row = {"call_id": f"imp-{batch_index}-{i}", "start_at": start, "duration_seconds": rng.randint(0, 1200)}
        if roll < 0.70:
            row.update(call_type="user_out", user_principal_name=user.upn,
                       callee_number=rng.choice(HOME_CONTACTS[user.usage_location]))
        elif roll < 0.85:
            row.update(call_type="user_out", user_principal_name=user.upn, callee_number=rng.choice(ABROAD_CONTACTS))
        elif roll < 0.95:
            row.update(call_type="user_in", callee_number=own_numbers[user.upn],
                       caller_number=rng.choice(HOME_CONTACTS["US"]))
        else:
            row.update(call_type="unassigned_in", callee_number=TOLL_FREE, caller_number=rng.choice(HOME_CONTACTS["US"]))
        rows.append(row)
    return rows


def measure_import(tenant, users, own_numbers, total, batch):
    from django.db.models import Sum

    from billing.credits.models import LedgerEntry
    from billing.rating.models import CallRecord
    from billing.rating.services import call_records_import

    rng = random.Random(SEED)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    seconds, imported, errors, batches = 0.0, 0, 0, []
    slices = -(-total // batch)
    for index in range(slices):
        rows = import_rows(rng, users, own_numbers, min(batch, total - index * batch), index, slices, now)
        started = time.perf_counter()
        result = call_records_import(tenant=tenant, rows=rows, actor=None)
        spent = time.perf_counter() - started
        seconds += spent
        batches.append(spent)
        imported += result.imported
        errors += len(result.errors) + len(result.duplicates)
        if result.errors:
            raise SystemExit(f"import refused rows: {result.errors[:3]}")
    charged = CallRecord.objects.filter(tenant=tenant, source="import").aggregate(total=Sum("charge"))["total"]
    ledger = -LedgerEntry.objects.filter(account__tenant=tenant, kind__in=LedgerEntry.CHARGE_KINDS).exclude(
        call_id__startswith="bench-").aggregate(total=Sum("amount"))["total"]
    if charged != ledger:
        raise SystemExit(f"imported charges {charged} differ from the ledger's {ledger}")
    return imported, errors, seconds, batches, charged


def analyze(database_url, database_name):
    import psycopg

    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/" + database_name, autocommit=True) as connection:
        connection.execute("ANALYZE")


def measure_http(args, database_url, database_name, token, users):
    """Requests or pairs per second of the raw baseline, the floor and authorize + complete, through one gunicorn.

    The three take turns in `args.rounds` rounds, so a change in the machine's load falls on all of them alike; each
    round's pairs against its own floor is kept too ("round_ratios"): their median moves less than the ratio of the
    sums when the machine's speed changes within a run."""
    port = free_port()
    server = start_server(database_url, database_name, port, args.workers)
    kinds = {"baseline": raw_work(port), "floor": floor_work(port, token),
             "pairs": pair_work(port, token, users, args.international)}
    done = dict.fromkeys(kinds, 0.0)
    rounds = args.rounds
    done["round_ratios"] = []
    try:
        for work in kinds.values():  # warm every worker
            run_clients(args.clients, 2, work)
        # Statistics of tables that are no longer empty, as a running site has them (autovacuum would take them
        # within a minute or two): fill() analyzed empty call tables, and a plan made on those scans whole tables.
        analyze(database_url, database_name)
        kinds["pairs"].authorize_seconds.clear()
        for _ in range(rounds):
            rates = {kind: run_clients(args.clients, args.seconds / rounds, work) for kind, work in kinds.items()}
            for kind, rate in rates.items():
                done[kind] += rate / rounds
            done["round_ratios"].append(rates["pairs"] / (rates["floor"] / 2))
    finally:
        stop_server(server)
    latencies = sorted(kinds["pairs"].authorize_seconds)
    done["authorize_p50_ms"] = latencies[len(latencies) // 2] * 1000
    done["authorize_p99_ms"] = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return done


def count_pair_commands(token, users, international_share, pairs=200):
    """Statements and transaction commands per authorize + complete, counted in this process (same code, same
    database) through Django's test client: every statement the connection executes, and BEGIN/COMMIT/ROLLBACK
    (one BEGIN per COMMIT or ROLLBACK) plus SAVEPOINT/RELEASE/ROLLBACK TO."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    counts = {"statements": 0, "savepoints": 0, "ends": 0}

    def counting(execute, sql, params, many, context):
        counts["statements"] += 1
        if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            counts["savepoints"] += 1
        return execute(sql, params, many, context)

    commit, rollback = connection._commit, connection._rollback

    def ending(method):
        def end(*args, **kwargs):
            counts["ends"] += 1
            return method(*args, **kwargs)
        return end

    rng = random.Random(SEED)
    work = []
    for index in range(pairs + 20):
        user, callee = call_of(rng, users, international_share)
        work.append((f"count-{index}", user.upn, callee, rng.randint(5, 900)))

    def pair(call_id, upn, callee, seconds):
        client_pair(client, call_id, upn, callee, seconds)

    for args in work[:20]:  # warm caches (token, rate deck) as a running server has them
        pair(*args)
    connection._commit, connection._rollback = ending(commit), ending(rollback)
    try:
        with connection.execute_wrapper(counting):
            for args in work[20:]:
                pair(*args)
    finally:
        connection._commit, connection._rollback = commit, rollback
    return counts["statements"] / pairs, (2 * counts["ends"] + counts["savepoints"]) / pairs



def _backend_cpu_seconds(connection):
    """CPU seconds the PostgreSQL backend of `connection` has used (its /proc entry: the server runs on this machine),
    or None when it cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(token, users, international_share, pairs=1000):
    """CPU per authorize + complete and per two floor requests, in this process (Django's test client, same code and
    database) and in its PostgreSQL backend: steadier than the HTTP rates, which this machine's load moves by more
    than most changes. Returns {"pair": (python ms, database ms), "floor": (...)}; database ms is None when the
    server's /proc is not readable."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rng = random.Random(SEED + 1)

    def pair(index):
        user, callee = call_of(rng, users, international_share)
        client_pair(client, f"cpu-{index}", user.upn, callee, rng.randint(5, 900))

    def floor_pair(index):
        for _ in range(2):
            answer = client.post("/api/v1/calls/bench-floor", {"callId": f"cpu-floor-{index}"},
                                 content_type="application/json")
            if answer.status_code != 200:
                raise RuntimeError(f"floor answered {answer.status_code}: {answer.content[:300]!r}")

    result = {}
    with override_settings(ROOT_URLCONF="bench.calls_server_urls"):
        for kind, work in (("pair", pair), ("floor", floor_pair)):
            for index in range(50):  # warm: prepared statements, caches
                work(f"warm-{kind}-{index}")
            database, python = _backend_cpu_seconds(connection), time.process_time()
            for index in range(pairs):
                work(f"{kind}-{index}")
            python = (time.process_time() - python) / pairs * 1000
            after = _backend_cpu_seconds(connection)
            result[kind] = (python, (after - database) / pairs * 1000 if database is not None and after is not None
                            else None)
    return result

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=15, help="per kind, over all rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--international", type=float, default=0.2, help="share of calls abroad (paid by credits)")
    parser.add_argument("--import-rows", type=int, default=IMPORT_GOAL_ROWS)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--only", choices=("http", "import"), help="run one part alone (default: both)")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_name = os.environ.get("BENCH_DATABASE_NAME", "bench_calls")
    django_setup(database_url=database_url, database_name=database_name)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print(f"calls bench needs PostgreSQL (BENCH_DATABASE_URL={database_url}); skipped")
        return 0
    load_before = os.getloadavg()[0]
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    try:
        tenant, users, token = fill()
        own_numbers = {u.upn: HOME_NUMBER[u.usage_location].format(i + 1) for i, u in enumerate(users)}
        connection.close()
        if args.only != "import":
            http = measure_http(args, database_url, database_name, token, users)
            http["statements"], http["transaction_commands"] = count_pair_commands(token, users, args.international)
            http["cpu"] = measure_cpu(token, users, args.international)
        if args.only != "http":
            imported, skipped, seconds, batches, charged = measure_import(tenant, users, own_numbers, args.import_rows,
                                                                            args.batch)
    finally:
        connection.close()
        teardown_databases(config, verbosity=0)

    print(f"calls bench: PostgreSQL, one tenant of {USERS} callers; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after on {os.cpu_count()} CPUs")
    ok = True
    if args.only != "import":
        baseline, floor, pairs = http["baseline"], http["floor"], http["pairs"]
        ratio = pairs / baseline
        print(f"  HTTP: gunicorn {args.workers} workers on 127.0.0.1, {args.clients} client threads, {args.seconds:.0f} s "
              f"each in {args.rounds} alternating rounds, {args.international:.0%} of calls abroad")
        print(f"  raw baseline (UPDATE ... RETURNING + INSERT): {baseline:,.0f} requests/s")
        print(f"  floor (token check + JSON body + the baseline's statements, via the call endpoints' handler): "
              f"{floor:,.0f} requests/s, so at most {floor / 2:,.0f} pairs/s = {floor / 2 / baseline:.2f} x the baseline")
        print(f"  authorize + complete: {pairs:,.0f} pairs/s ({2 * pairs:,.0f} requests/s), "
              f"{ratio:.2f} x the baseline (earlier goal >= {HTTP_GOAL_RATIO}, beyond the floor's own "
              f"{floor / 2 / baseline:.2f}); {2 * pairs / floor:.2f} x the floor")
        floor_ratio = pairs / (floor / 2)
        print(f"  pairs/s against the floor in pairs ({floor / 2:,.0f}): {floor_ratio:.2f} (goal >= {FLOOR_GOAL_RATIO}); "
              f"authorize latency p50 {http['authorize_p50_ms']:.1f} ms, p99 {http['authorize_p99_ms']:.1f} ms")
        rounds = http["round_ratios"]
        print(f"  the same, round by round (each round's pairs against its own floor): "
              f"{', '.join(f'{ratio:.2f}' for ratio in rounds)}; median {statistics.median(rounds):.2f}")
        print(f"  per pair: {http['statements']:.1f} statements, {http['transaction_commands']:.1f} transaction commands "
              f"(BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE)")
        (pair_python, pair_database), (floor_python, floor_database) = http["cpu"]["pair"], http["cpu"]["floor"]
        database = (f"; database {pair_database:.2f} ms vs {floor_database:.2f} ms" if pair_database is not None
                    and floor_database is not None else "; database CPU not readable (server not on this machine)")
        print(f"  CPU per pair, in process, against two floor requests: Python {pair_python:.2f} ms vs "
              f"{floor_python:.2f} ms{database} (1,000 each, Django's test client)")
        ok = ok and floor_ratio >= FLOOR_GOAL_RATIO
    if args.only != "http":
        rate = imported / seconds if seconds else 0
        print(f"  import: {imported:,} call records in {len(batches)} batches of {args.batch:,}: {seconds:.1f} s "
              f"({rate:,.0f} rows/s; median batch {statistics.median(batches):.2f} s, first ten "
              f"{statistics.median(batches[:10]):.2f} s, last ten {statistics.median(batches[-10:]):.2f} s), "
              f"${charged:,.2f} charged, {skipped} rows refused")
        projected = IMPORT_GOAL_ROWS / rate if rate else float("inf")
        print(f"  import goal: {IMPORT_GOAL_ROWS:,} rows in <= {IMPORT_GOAL_SECONDS:.0f} s: "
              f"{'measured' if imported >= IMPORT_GOAL_ROWS else 'projected'} {projected:.0f} s")
        ok = ok and projected <= IMPORT_GOAL_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
