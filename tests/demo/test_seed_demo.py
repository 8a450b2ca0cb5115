"""The Contoso demo (seed_demo): one story from the ledger, deterministic and idempotent.

A first purchase 14 months ago; a year of calls imported night by night spends it, auto-recharge tops up below
the trigger, what was left of the first lot expires after 12 months; a last month of live calls; licenses,
numbers, invoices for every purchase and the recharge history.
"""
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import AuditLog, User
from accounts.roles import Role
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import LedgerEntry, Lot, PaymentMethod, Purchase, RechargeAttempt
from billing.credits.selectors import auto_recharge_settings, credits_balance
from billing.invoices.models import Invoice
from billing.rating.models import BlockedCall, CallRecord, TenantPhoneNumber
from core.money import money_sum
from licensing.models import AssignedPlan, LicenseAssignment

pytestmark = pytest.mark.dates


def ledger_of(contoso):
    return list(LedgerEntry.objects.filter(account__tenant=contoso).order_by("id")
                .values_list("kind", "amount", "created_at"))


def test_the_directory_has_about_300_users_in_eight_countries_and_every_admin_role(contoso):
    users = sorted(User.objects.filter(tenant=contoso).values_list("upn", "usage_location", "phone_number"))
    assert 290 <= len(users) <= 320
    assert {location for _, location, _ in users} == {"US", "PR", "GB", "CA", "DE", "FR", "IN", "JP"}
    roles = {role for user in User.objects.filter(tenant=contoso).prefetch_related("role_rows") for role in user.roles}
    assert roles == set(Role)


def test_contoso_is_funded_with_auto_recharge_and_its_balance_is_its_ledger(contoso, seeded_demo):
    entries = ledger_of(contoso)
    out_of_order = [(a, b) for a, b in zip(entries, entries[1:], strict=False) if b[2] < a[2]]
    assert not out_of_order, out_of_order[:5]
    purchases = list(Purchase.objects.filter(tenant=contoso).order_by("created_at"))
    assert len(purchases) >= 2 and purchases[0].amount == Decimal("2000.00")
    assert all(p.kind == "recharge" and p.amount == Decimal("2000.00") for p in purchases[1:])
    assert Lot.objects.filter(account__tenant=contoso, expired_at__isnull=False).count() >= 1
    balance = credits_balance(tenant=contoso)
    assert balance.balance == sum(amount for _, amount, _ in entries)
    calls = -sum(amount for kind, amount, _ in entries if kind in ("call_charge", "toll_free_charge"))
    assert calls > 0, "the rating demo charges a year of calls to credits"
    forfeited = -sum(amount for kind, amount, _ in entries if kind == "expiry")
    assert balance.balance == sum(p.amount for p in purchases) - calls - forfeited and balance.status == "Active"
    for recharge in purchases[1:]:  # each recharge came when the calls had taken the balance below the trigger
        before = LedgerEntry.objects.get(account__tenant=contoso, purchase=recharge).balance_after - recharge.amount
        assert before < Decimal("1000.00")
    settings = auto_recharge_settings(tenant=contoso)
    assert settings.enabled and settings.payment_method.label == "Visa •••• 4242"
    assert settings.trigger_amount == Decimal("1000.00") and settings.recharge_amount == Decimal("2000.00")
    assert "credits: balance $2,000.00 from a first purchase 14 months ago" in seeded_demo.output
    assert ledger_problems() == []


def test_every_calling_plan_holder_holds_the_communications_credits_license(contoso):
    holders = set(AssignedPlan.objects.filter(tenant=contoso, enabled=True, service_plan__name__in=[
        "MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOPSTN8", "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2", "MCOMEETADV",
    ]).values_list("user", flat=True))
    credits_users = set(LicenseAssignment.objects.filter(tenant=contoso, product__sku_part_number="MCOPSTNC")
                        .values_list("user", flat=True))
    assert holders and credits_users == holders


def test_each_purchase_is_invoiced_once_and_every_recharge_is_in_the_history(contoso):
    purchases = list(Purchase.objects.filter(tenant=contoso))
    invoices = Invoice.objects.filter(tenant=contoso, kind="purchase")
    assert len(purchases) >= 2 and invoices.count() == len(purchases)
    assert set(invoices.values_list("reference", flat=True)) == {f"purchase:{p.pk}" for p in purchases}
    for purchase in purchases:
        invoice = invoices.get(reference=f"purchase:{purchase.pk}")
        assert (invoice.subtotal, invoice.issued_at) == (purchase.amount, purchase.created_at)
    recharges = RechargeAttempt.objects.filter(tenant=contoso)
    assert recharges.count() == len(purchases) - 1 and set(recharges.values_list("status", flat=True)) == {"succeeded"}
    assert all(r.available_at_start < r.trigger_amount for r in recharges)
    assert all(r.invoice.reference == f"purchase:{r.purchase_id}" for r in recharges)


def test_contoso_has_numbers_and_14_months_of_calls_charged_in_the_ledger(contoso, seeded_demo):
    numbers = TenantPhoneNumber.objects.filter(tenant=contoso)
    assert numbers.filter(kind="conferencing").count() == 1 and numbers.filter(kind="toll_free").count() == 2
    assert numbers.filter(kind="user", user__isnull=False).count() > 100
    records = CallRecord.objects.filter(tenant=contoso)
    span = records.order_by("start_at").first().start_at, records.order_by("start_at").last().start_at
    assert records.count() > 10000 and (span[1] - span[0]).days >= 390  # 13 months imported, then one live
    assert records.filter(source="import").count() > 9 * records.filter(source="realtime").count() > 9000
    assert BlockedCall.objects.filter(tenant=contoso).exists()
    charged = -money_sum(LedgerEntry.objects.filter(account__tenant=contoso, kind__in=LedgerEntry.CHARGE_KINDS),
                         "amount")
    assert money_sum(records, "charge") == charged > Decimal("0")
    assert "calling: " in seeded_demo.output


def test_seeding_again_changes_nothing(contoso):
    def snapshot():
        return {
            "users": sorted(User.objects.filter(tenant=contoso).values_list("upn", "usage_location", "phone_number")),
            "audit rows": AuditLog.objects.count(),
            "ledger": ledger_of(contoso),
            "payment methods": PaymentMethod.objects.filter(tenant=contoso).count(),
            "invoices": sorted(Invoice.objects.filter(tenant=contoso).values_list("number", "reference", "total")),
            "recharges": sorted(RechargeAttempt.objects.filter(tenant=contoso)
                                .values_list("purchase", "status", "invoice")),
            "calls": CallRecord.objects.filter(tenant=contoso).count(),
            "numbers": TenantPhoneNumber.objects.filter(tenant=contoso).count(),
        }

    before = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == before
    assert ledger_problems() == []
