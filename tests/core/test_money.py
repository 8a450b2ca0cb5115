"""core.money: exact sums on SQLite and PostgreSQL, one way of writing money, no floats."""
import random
from decimal import Decimal

import pytest
from django.db.models import Count

from billing.credits.models import CreditAccount, LedgerEntry
from core.money import MoneySum, as_money, cents, money_sum, money_sums, money_text
from tests.factories import TenantFactory


@pytest.fixture
def account(db):
    return CreditAccount.objects.create(tenant=TenantFactory())


def test_the_sum_of_100000_random_cent_amounts_equals_the_decimal_sum(account):
    rng = random.Random(20261203)
    amounts = [Decimal(rng.randint(-999_999, 999_999)) / 100 for _ in range(100_000)]
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(account=account, kind=LedgerEntry.Kind.ADJUSTMENT, amount=amount, balance_after=0,
                     idempotency_key=f"k{n}", actor_label="test") for n, amount in enumerate(amounts)],
        batch_size=5000)
    entries = LedgerEntry.objects.filter(account=account)
    assert money_sum(entries, "amount") == sum(amounts, Decimal("0.00"))
    assert money_sums(entries.filter(amount__gt=0), up="amount") == {"up": sum((a for a in amounts if a > 0), Decimal("0.00"))}
    by_kind = entries.values("kind").annotate(total=MoneySum("amount"), n=Count("id")).get()
    assert (by_kind["total"], by_kind["n"]) == (sum(amounts, Decimal("0.00")), 100_000)


def test_an_empty_sum_is_zero_cents(account):
    assert money_sum(LedgerEntry.objects.none(), "amount") == Decimal("0.00")
    assert money_sum(LedgerEntry.objects.filter(account=account), "amount") == Decimal("0.00")


def test_money_is_written_one_way():
    assert money_text(Decimal("1234.5")) == "$1,234.50"
    assert money_text(Decimal("-12.5")) == "-$12.50"
    assert money_text(Decimal("100"), signed=True) == "+$100.00"
    assert money_text(Decimal("500"), whole=True) == "$500"
    assert money_text(Decimal("12.5"), "CHF") == "CHF 12.50"
    assert money_text(as_money("3.10", "EUR")) == "€3.10"
    assert money_text(None) == "—"


def test_floats_are_refused():
    with pytest.raises(TypeError, match="float"):
        cents(0.1)
    assert cents("0.125") == Decimal("0.13") and cents(3) == Decimal("3.00")
