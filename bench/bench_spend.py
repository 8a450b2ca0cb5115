"""Benchmark spend control on the call path: authorize + complete pairs per second with slices, spend limits and a
destination policy on, against the same with them off, through one gunicorn on PostgreSQL.

Off: the tenant's calling policy with spend limits off, slices as long as the longest call, no destination policy.
On: spend limits on (a limit per user no call reaches, so every call is allowed and each one reads the user's month),
10-minute slices, and a destination policy with blocked countries and number types the calls never dial and a
concurrent-call limit no user reaches (so the user's row is locked and counted on every call). The two modes take
turns in three rounds, so a change in the machine's load falls on both alike. Goal: on >= 90% of off.
Reuses bench_calls.py's tenant (200 callers, 20% of calls abroad and paid by credits) and clients.
"""
import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench import bench_calls as calls  # noqa: E402
from bench.support import django_setup  # noqa: E402

GOAL_RATIO = 0.90


def set_mode(tenant, on):
    from decimal import Decimal

    from billing.spend.models import CallingPolicy, DestinationPolicy

    destination = None
    if on:
        destination, _ = DestinationPolicy.objects.get_or_create(
            tenant=tenant, name="Bench", defaults={"blocked_countries": "AU,NZ", "blocked_number_types": "premium",
                                                   "max_concurrent_calls": 50})
    CallingPolicy.objects.update_or_create(tenant=tenant, defaults={
        "enable_spend_limits": on, "user_spend_limit": Decimal("100000.00") if on else None,
        "slice_minutes": 10 if on else 240, "destination_policy": destination})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=15, help="seconds of each mode, over three rounds")
    parser.add_argument("--international", type=float, default=0.2, help="share of calls abroad (paid by credits)")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_name = os.environ.get("BENCH_SPEND_DATABASE_NAME", "bench_spend")
    django_setup(database_url=database_url, database_name=database_name)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print(f"spend bench needs PostgreSQL (BENCH_DATABASE_URL={database_url}); skipped")
        return 0
    load_before = os.getloadavg()[0]
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    rates = {"off": 0.0, "on": 0.0}
    rounds = 3
    try:
        tenant, users, token = calls.fill()
        connection.close()
        port = calls.free_port()
        server = calls.start_server(database_url, database_name, port, args.workers)
        work = calls.pair_work(port, token, users, args.international)
        try:
            for mode in ("off", "on"):  # warm every worker in both modes
                set_mode(tenant, mode == "on")
                calls.run_clients(args.clients, 2, work)
            for _ in range(rounds):
                for mode in ("off", "on"):
                    set_mode(tenant, mode == "on")
                    connection.close()
                    rates[mode] += calls.run_clients(args.clients, args.seconds / rounds, work) / rounds
        finally:
            calls.stop_server(server)
    finally:
        connection.close()
        teardown_databases(config, verbosity=0)

    ratio = rates["on"] / rates["off"]
    print(f"spend bench: PostgreSQL, one tenant of {calls.USERS} callers, gunicorn {args.workers} workers, "
          f"{args.clients} client threads, {args.seconds:.0f} s a mode in {rounds} alternating rounds, "
          f"{args.international:.0%} of calls abroad; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after on {os.cpu_count()} CPUs")
    print(f"  slices, spend limits and destination policy off: {rates['off']:,.0f} authorize + complete pairs/s")
    print(f"  slices, spend limits and destination policy on:  {rates['on']:,.0f} pairs/s, "
          f"{ratio:.2f} x off (goal >= {GOAL_RATIO})")
    return 0 if ratio >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
