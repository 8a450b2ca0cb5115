"""The Contoso demo: funded, auto-recharge on, a card on file, a year of purchases with expired lots, licences."""
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from accounts.models import Tenant
from billing.ledger_check import ledger_problems
from billing.models import LedgerEntry, Lot, PaymentMethod, Purchase
from billing.selectors import auto_recharge_settings, credits_balance
from licensing.models import AssignedPlan, LicenseAssignment


def test_seed_demo_funds_contoso_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    contoso = Tenant.objects.get(initial_domain="contoso.example")
    entries = list(LedgerEntry.objects.filter(account__tenant=contoso).order_by("id").values_list("kind", "amount",
                                                                                                  "created_at"))
    assert [e[2] for e in entries] == sorted(e[2] for e in entries), "ledger order and dates agree"
    assert Purchase.objects.filter(tenant=contoso).count() == 6
    expired = Lot.objects.filter(account__tenant=contoso, expired_at__isnull=False)
    assert expired.count() == 2
    balance = credits_balance(tenant=contoso)
    assert balance.balance == Decimal("7000.00") and balance.status == "Active"
    settings = auto_recharge_settings(tenant=contoso)
    assert settings.enabled and settings.payment_method.label == "Visa •••• 4242"
    assert settings.trigger_amount == Decimal("1000.00") and settings.recharge_amount == Decimal("2000.00")
    holders = set(AssignedPlan.objects.filter(tenant=contoso, enabled=True, service_plan__name__in=[
        "MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOPSTN8", "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2", "MCOMEETADV",
    ]).values_list("user", flat=True))
    credits_users = set(LicenseAssignment.objects.filter(tenant=contoso, product__sku_part_number="MCOPSTNC")
                        .values_list("user", flat=True))
    assert holders and credits_users == holders
    assert "credits: balance $7,000.00" in out.getvalue()

    call_command("seed_demo", stdout=StringIO())
    assert list(LedgerEntry.objects.filter(account__tenant=contoso).order_by("id").values_list(
        "kind", "amount", "created_at")) == entries
    assert PaymentMethod.objects.filter(tenant=contoso).count() == 1
    assert ledger_problems() == []
