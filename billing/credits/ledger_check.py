"""Proves the cached balances: balance = Σ ledger = Σ lot remainders, every running balance adds up, and the hash
chain of each account's entries is whole (billing/credits/chain.py), so an edit made consistently everywhere shows.

Used by `manage.py check_ledger` and by the tests after every scenario; a handful of queries whatever
the number of tenants or entries (the sums and the running balance are computed by the database).
"""
from decimal import Decimal

from django.db.models import F, Q, Sum, Window
from django.db.models.functions import Coalesce, Round

from . import chain
from .models import CreditAccount, LedgerEntry, Lot

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def ledger_problems(*, tenant=None):
    """A sentence per difference found, naming the tenant; an empty list when every account adds up."""
    accounts = CreditAccount.objects.select_related("tenant").order_by("tenant__name", "id")
    if tenant is not None:
        accounts = accounts.filter(tenant=tenant)
    accounts = accounts.annotate(
        ledger_sum=Coalesce(Sum("entries__amount"), ZERO),
    )
    lot_sums = dict(Lot.objects.filter(account__in=[a.pk for a in accounts]).values_list("account")
                    .annotate(total=Sum("remaining")).values_list("account", "total"))
    # Rounded to cents because SQLite sums decimals in binary floating point; PostgreSQL's numeric is exact anyway.
    running = (LedgerEntry.objects.filter(account__in=[a.pk for a in accounts])
               .annotate(running=Round(Window(Sum("amount"), partition_by=[F("account")], order_by=F("id").asc()), 2)))
    broken_chain: dict = {}
    for entry in running.filter(~Q(running=F("balance_after"))).values("account", "id", "running", "balance_after"):
        broken_chain.setdefault(entry["account"], entry)
    bad_lots: dict = {}
    for lot in Lot.objects.filter(Q(remaining__lt=0) | Q(remaining__gt=F("amount")), account__in=[a.pk for a in accounts]):
        bad_lots.setdefault(lot.account_id, lot)

    chain_breaks = chain.broken_links(
        LedgerEntry.objects.filter(account__in=[a.pk for a in accounts]).order_by("account_id", "id")
        .only("id", "chain_hash", *chain.SEALED_FIELDS).iterator(chunk_size=5000))

    problems = []
    for account in accounts:
        name = f"{account.tenant.name} ({account.tenant.initial_domain})"
        # SQLite sums decimals as floats: quantizing to cents takes away the binary noise (-1e-16 is 0.00).
        account.ledger_sum = account.ledger_sum.quantize(CENT)
        lots = lot_sums.get(account.pk, ZERO).quantize(CENT)
        if account.balance != account.ledger_sum:
            problems.append(f"{name}: balance {account.balance:.2f} but the ledger sums to {account.ledger_sum:.2f}.")
        if lots != account.ledger_sum:
            problems.append(f"{name}: the ledger sums to {account.ledger_sum:.2f} but the lots hold {lots:.2f}.")
        if account.pk in broken_chain:
            entry = broken_chain[account.pk]
            problems.append(f"{name}: entry {entry['id']} says the balance after it is {entry['balance_after']:.2f} "
                            f"but the entries up to it sum to {entry['running']:.2f}.")
        if account.pk in chain_breaks:
            problems.append(f"{name}: entry {chain_breaks[account.pk]} of credit account {account.pk} breaks the hash "
                            "chain: its content or the entry before it was changed after it was written.")
        if account.pk in bad_lots:
            lot = bad_lots[account.pk]
            problems.append(f"{name}: lot {lot.pk} has {lot.remaining:.2f} remaining of {lot.amount:.2f}.")
    return problems
