"""The Contoso demo: each of its purchases invoiced once (by Communications Credits), recharges in the history."""
from io import StringIO

from django.core.management import call_command

from accounts.models import Tenant
from billing.credits.models import Purchase, RechargeAttempt
from billing.invoices.models import Invoice


def contoso_snapshot(contoso):
    return (sorted(Invoice.objects.filter(tenant=contoso, kind="purchase").values_list("number", "reference", "total")),
            sorted(RechargeAttempt.objects.filter(tenant=contoso).values_list("purchase", "status", "invoice")))


def test_seed_demo_invoices_each_purchase_once_and_fills_the_recharge_history(db):
    call_command("seed_demo", stdout=StringIO())
    contoso = Tenant.objects.get(initial_domain="contoso.example")
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
    before = contoso_snapshot(contoso)

    call_command("seed_demo", stdout=StringIO())
    assert contoso_snapshot(contoso) == before
