"""The Contoso demo: funded, auto-recharge on, a card on file, a year of purchases with expired lots, licenses."""
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from accounts.models import Tenant
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import LedgerEntry, Lot, PaymentMethod, Purchase
from billing.credits.selectors import auto_recharge_settings, credits_balance
from licensing.models import AssignedPlan, LicenseAssignment


def test_seed_demo_funds_contoso_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    contoso = Tenant.objects.get(initial_domain="contoso.example")
    entries = list(LedgerEntry.objects.filter(account__tenant=contoso).order_by("id").values_list("kind", "amount",
                                                                                                  "created_at"))
    bad = [(a, b) for a, b in zip(entries, entries[1:], strict=False) if b[2] < a[2]]
    assert not bad, bad[:5]
    # A first purchase 14 months ago; a year of calls spends it, auto-recharge tops up below the trigger, and what
    # was left of the first lot expired after 12 months.
    purchases = list(Purchase.objects.filter(tenant=contoso).order_by("created_at"))
    assert len(purchases) >= 2 and purchases[0].amount == Decimal("2000.00")
    assert all(p.kind == "recharge" and p.amount == Decimal("2000.00") for p in purchases[1:])
    expired = Lot.objects.filter(account__tenant=contoso, expired_at__isnull=False)
    assert expired.count() >= 1
    balance = credits_balance(tenant=contoso)
    assert balance.balance == sum(amount for _, amount, _ in entries)
    calls = -sum(amount for kind, amount, _ in entries if kind in ("call_charge", "toll_free_charge"))
    assert calls > 0, "the rating demo charges a year of calls to credits"
    funded = sum(p.amount for p in purchases)
    forfeited = -sum(amount for kind, amount, _ in entries if kind == "expiry")
    assert balance.balance == funded - calls - forfeited and balance.status == "Active"
    for recharge in purchases[1:]:  # each recharge came when the calls had taken the balance below the trigger
        before = LedgerEntry.objects.get(account__tenant=contoso, purchase=recharge).balance_after - recharge.amount
        assert before < Decimal("1000.00")
    settings = auto_recharge_settings(tenant=contoso)
    assert settings.enabled and settings.payment_method.label == "Visa •••• 4242"
    assert settings.trigger_amount == Decimal("1000.00") and settings.recharge_amount == Decimal("2000.00")
    holders = set(AssignedPlan.objects.filter(tenant=contoso, enabled=True, service_plan__name__in=[
        "MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOPSTN8", "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2", "MCOMEETADV",
    ]).values_list("user", flat=True))
    credits_users = set(LicenseAssignment.objects.filter(tenant=contoso, product__sku_part_number="MCOPSTNC")
                        .values_list("user", flat=True))
    assert holders and credits_users == holders
    assert "credits: balance $2,000.00 from a first purchase 14 months ago" in out.getvalue()

    call_command("seed_demo", stdout=StringIO())
    assert list(LedgerEntry.objects.filter(account__tenant=contoso).order_by("id").values_list(
        "kind", "amount", "created_at")) == entries
    assert PaymentMethod.objects.filter(tenant=contoso).count() == 1
    assert ledger_problems() == []
