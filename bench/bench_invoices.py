"""Benchmark invoice PDFs: one purchase invoice (goal <= 1 s) and a 5,000-call statement (goal <= 15 s, <= 300 MB).

Each render runs in a child process (a fresh interpreter, as a Celery worker would be) so its peak RSS can be
read with getrusage(RUSAGE_CHILDREN). The documents are issued through the real services into a throwaway
SQLite database.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

INVOICE_GOAL_S = 1.0
STATEMENT_GOAL_S = 15.0
STATEMENT_GOAL_MB = 300
CALLS = 5000


def _django(database):
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # Issuing enqueues a render after the commit: keep that message in memory instead of running it here.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()


def prepare(database, calls):
    """Issues one card purchase and one statement of `calls` calls; returns their ids."""
    _django(database)
    from datetime import date
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.services import tenant_create
    from billing.invoices.services import invoice_issue_for_purchase, statement_issue
    from billing.invoices.synthetic import Caller, statement_data_from_calls, synthetic_calls

    call_command("migrate", verbosity=0)
    tenant = tenant_create(name="Contoso", domain="contoso.example", country="US", agreement_number="EA-8675309",
                           billing_address="Contoso Ltd.\n1 Microsoft Way\nRedmond, WA 98052\nUnited States")
    invoice = invoice_issue_for_purchase(
        tenant=tenant, amount=Decimal("500.00"), description="Communications Credits, auto-recharge",
        payment={"method": "card", "label": "Visa ending 4242", "po_number": "", "paid": True},
        reference="bench-1", actor=None)
    callers = [Caller(f"user{i:03d}@contoso.example", f"User {i:03d}") for i in range(120)]
    month = date(2026, 3, 1)
    data = statement_data_from_calls(calls=synthetic_calls(month=month, callers=callers, count=calls, seed="bench"),
                                     callers=callers, opening_balance=Decimal("250000.00"))
    report = statement_issue(tenant=tenant, month=month, data=data, actor=None)
    return str(invoice.pk), str(report.pk)


def render_child(database, invoice_id, rounds, out):
    """Child process: renders the PDF `rounds` times and prints the seconds of each render as JSON."""
    _django(database)
    from billing.invoices.models import Invoice
    from billing.invoices.pdf import render_invoice_pdf_bytes

    timings = []
    for _ in range(rounds):
        invoice = Invoice.objects.get(pk=invoice_id)
        started = time.perf_counter()
        content = render_invoice_pdf_bytes(invoice)
        timings.append(time.perf_counter() - started)
    Path(out).write_bytes(content)
    print(json.dumps(timings))


def measure(database, invoice_id, rounds, out):
    output = subprocess.run(
        [sys.executable, __file__, "--child", database, invoice_id, str(rounds), out],
        check=True, capture_output=True, text=True).stdout
    timings = json.loads(output.strip().splitlines()[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    return timings, peak_mb


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--rounds", type=int, default=5, help="renders of the one-page invoice (median reported)")
    parser.add_argument("--child", nargs=4, metavar=("DB", "ID", "ROUNDS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, invoice_id, rounds, out = args.child
        render_child(database, invoice_id, int(rounds), out)
        return 0

    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        database = str(Path(tmp) / "bench.sqlite3")
        invoice_id, statement_id = prepare(database, args.calls)
        invoice_times, invoice_mb = measure(database, invoice_id, args.rounds, str(Path(tmp) / "invoice.pdf"))
        statement_times, statement_mb = measure(database, statement_id, 1, str(Path(tmp) / "statement.pdf"))
        pages = len(PdfReader(str(Path(tmp) / "statement.pdf")).pages)
        size_kb = (Path(tmp) / "statement.pdf").stat().st_size / 1024

    invoice_s = statistics.median(invoice_times)
    print(f"invoice PDF (1 page): median {invoice_s:.3f} s over {args.rounds} renders "
          f"(min {min(invoice_times):.3f}, max {max(invoice_times):.3f}; goal <= {INVOICE_GOAL_S:.0f} s), "
          f"peak RSS of the render process {invoice_mb:.0f} MB")
    print(f"statement PDF ({args.calls:,} call lines, {pages} pages, {size_kb:,.0f} KB): {statement_times[0]:.2f} s "
          f"(goal <= {STATEMENT_GOAL_S:.0f} s), peak RSS of the render process {statement_mb:.0f} MB "
          f"(goal <= {STATEMENT_GOAL_MB} MB)")
    met = invoice_s <= INVOICE_GOAL_S and statement_times[0] <= STATEMENT_GOAL_S and statement_mb <= STATEMENT_GOAL_MB
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
