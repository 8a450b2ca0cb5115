"""Adding funds: ledger entry, lot, purchase record, idempotency, purchase rules and bad input."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditLog, Tenant
from billing.credits.exceptions import IdempotencyConflict, PaymentDeclined, PurchaseNotAllowed
from billing.credits.ledger_check import ledger_problems
from billing.credits.models import GatewayCharge, LedgerEntry, Lot, PaymentMethod, Purchase
from billing.credits.rules import MCA_ACCOUNT, REGION_MISMATCH, add_months
from billing.credits.services import (
    auto_recharge_record_failure,
    auto_recharge_update,
    credits_add_funds,
    payment_method_add_invoice,
)
from licensing.models import Subscription
from tests.factories import TenantFactory

from .conftest import DECLINED, EXPIRED_AT_ISSUER, INSUFFICIENT


def nothing_written(tenant):
    return (not Purchase.objects.filter(tenant=tenant).exists()
            and not LedgerEntry.objects.filter(account__tenant=tenant).exists()
            and not Lot.objects.filter(account__tenant=tenant).exists()
            and not AuditLog.objects.filter(tenant=tenant, action__startswith="credits.").exists())


def test_add_funds_writes_a_purchase_a_ledger_entry_and_a_lot_expiring_in_twelve_months(tenant, card, billing_admin):
    purchase = credits_add_funds(tenant=tenant, amount="100", payment_method=card, idempotency_key="k1",
                                 actor=billing_admin).purchase
    entry = purchase.ledger_entry
    lot = purchase.lot
    assert (entry.kind, entry.amount, entry.balance_after) == ("purchase", Decimal("100.00"), Decimal("100.00"))
    assert entry.actor == billing_admin and entry.purchase == purchase
    assert (lot.amount, lot.remaining) == (Decimal("100.00"), Decimal("100.00"))
    assert lot.expires_at == add_months(lot.purchased_at, 12)
    assert purchase.payment_method_label == "Visa •••• 4242"
    assert purchase.gateway_charge_id == GatewayCharge.objects.get().reference
    assert tenant.credit_account.balance == Decimal("100.00")
    assert AuditLog.objects.filter(tenant=tenant, action="credits.purchase").count() == 1
    assert ledger_problems() == []


def test_first_funding_adds_the_communications_credits_licenses_and_later_ones_leave_them(tenant, fund):
    fund(100)
    subscription = Subscription.objects.get(tenant=tenant, product__sku_part_number="MCOPSTNC")
    assert subscription.enabled_units == 10_000_000
    Subscription.objects.filter(pk=subscription.pk).update(enabled_units=5)
    fund(50)
    subscription.refresh_from_db()
    assert subscription.enabled_units == 5


def test_the_same_key_and_body_returns_the_first_purchase_and_charges_once(tenant, card, billing_admin):
    first = credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="same", actor=billing_admin)
    again = credits_add_funds(tenant=tenant, amount="100.00", payment_method=card, idempotency_key="same",
                              actor=billing_admin)
    assert again.purchase.pk == first.purchase.pk and again.replayed and not first.replayed
    assert again.invoice == first.invoice
    assert GatewayCharge.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_the_same_key_with_another_amount_is_a_conflict_and_writes_nothing(tenant, card, billing_admin):
    credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="same", actor=billing_admin)
    with pytest.raises(IdempotencyConflict, match="already used for another purchase"):
        credits_add_funds(tenant=tenant, amount=200, payment_method=card, idempotency_key="same", actor=billing_admin)
    assert LedgerEntry.objects.count() == 1 and GatewayCharge.objects.count() == 1


@pytest.mark.parametrize("amount", ["-5", "0", "10.50", "abc", "", None, "1e9", "100000000000000", 100.0, "NaN", "Infinity",
                                    True])
def test_bad_amounts_name_the_amount_and_charge_nothing(tenant, card, billing_admin, amount):
    with pytest.raises(ValidationError) as caught:
        credits_add_funds(tenant=tenant, amount=amount, payment_method=card, idempotency_key="k", actor=billing_admin)
    assert "amount" in caught.value.message_dict
    assert "Please enter a whole number" in caught.value.message_dict["amount"][0]
    assert nothing_written(tenant) and not GatewayCharge.objects.exists()


def test_an_amount_above_the_maximum_says_the_maximum(tenant, card, billing_admin):
    with pytest.raises(ValidationError) as caught:
        credits_add_funds(tenant=tenant, amount=100_001, payment_method=card, idempotency_key="k", actor=billing_admin)
    assert caught.value.message_dict == {"amount": ["Please enter a whole number less than or equal to 100,000"]}


def test_a_missing_idempotency_key_is_refused(tenant, card, billing_admin):
    with pytest.raises(ValidationError) as caught:
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="  ", actor=billing_admin)
    assert "idempotency_key" in caught.value.message_dict
    assert nothing_written(tenant)


@pytest.mark.parametrize(("number", "code", "message"), [
    (DECLINED, "card_declined", "Your card was declined."),
    (INSUFFICIENT, "insufficient_funds", "Your card has insufficient funds."),
    (EXPIRED_AT_ISSUER, "expired_card", "Your card has expired."),
])
def test_a_declined_card_writes_nothing_to_the_ledger(tenant, add_card, billing_admin, number, code, message):
    method = add_card(number)
    with pytest.raises(PaymentDeclined, match=message) as caught:
        credits_add_funds(tenant=tenant, amount=100, payment_method=method, idempotency_key="k", actor=billing_admin)
    assert caught.value.code == code
    assert nothing_written(tenant)


def test_a_card_past_its_expiry_is_refused_before_any_charge(tenant, card, billing_admin):
    PaymentMethod.objects.filter(pk=card.pk).update(exp_year=timezone.localdate().year - 1)
    card.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="k", actor=billing_admin)
    assert "expired" in caught.value.message_dict["payment_method"][0]
    assert nothing_written(tenant) and not GatewayCharge.objects.exists()


def test_a_stored_card_charged_after_its_expiry_month_fails_at_the_gateway(tenant, card, billing_admin):
    from billing.credits.gateway.sandbox import SandboxGateway
    from billing.credits.models import GatewayCard

    GatewayCard.objects.filter(token=card.gateway_token).update(exp_year=timezone.localdate().year - 1)
    result = SandboxGateway().charge(token=card.gateway_token, amount=Decimal("10.00"), currency="USD",
                                     idempotency_key="late", description="test")
    assert not result.succeeded and result.decline_code == "expired_card"


def test_another_tenants_payment_method_is_refused(tenant, other_tenant, other_tenant_admin, add_card, billing_admin):
    theirs = add_card(for_tenant=other_tenant, actor=other_tenant_admin)
    with pytest.raises(ValidationError) as caught:
        credits_add_funds(tenant=tenant, amount=100, payment_method=theirs, idempotency_key="k", actor=billing_admin)
    assert "payment_method" in caught.value.message_dict
    assert nothing_written(tenant) and not GatewayCharge.objects.exists()


def test_a_deleted_payment_method_is_refused(tenant, card, billing_admin):
    PaymentMethod.objects.filter(pk=card.pk).update(removed_at=timezone.now())
    card.refresh_from_db()
    with pytest.raises(ValidationError):
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="k", actor=billing_admin)


def test_mca_billing_accounts_cannot_buy_credits(tenant, card, billing_admin):
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind=Tenant.BillingAccountKind.MCA)
    tenant.refresh_from_db()
    with pytest.raises(PurchaseNotAllowed) as caught:
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="k", actor=billing_admin)
    assert caught.value.message == MCA_ACCOUNT
    assert nothing_written(tenant) and not GatewayCharge.objects.exists()


def test_a_tenant_homed_in_another_country_than_its_billing_address_cannot_buy(tenant, card, billing_admin):
    Tenant.objects.filter(pk=tenant.pk).update(country="GB", billing_country="US")
    tenant.refresh_from_db()
    with pytest.raises(PurchaseNotAllowed) as caught:
        credits_add_funds(tenant=tenant, amount=100, payment_method=card, idempotency_key="k", actor=billing_admin)
    assert "open a support incident" in caught.value.message.lower()
    assert caught.value.message == REGION_MISMATCH
    assert nothing_written(tenant)


@pytest.fixture
def ea_tenant(db):
    return TenantFactory(name="Woodgrove", initial_domain="woodgrove.test", billing_account_kind="EA",
                         agreement_number="EA-1234567")


def test_a_global_admin_of_an_ea_tenant_buys_on_invoice_with_a_po_number(ea_tenant):
    from accounts.roles import Role
    from tests.factories import UserFactory

    admin = UserFactory(tenant=ea_tenant, roles=[Role.GLOBAL_ADMIN])
    method = payment_method_add_invoice(tenant=ea_tenant, agreement_number="ea-1234567", po_number="PO-778",
                                        actor=admin)
    purchase = credits_add_funds(tenant=ea_tenant, amount=1000, payment_method=method, idempotency_key="inv",
                                 actor=admin).purchase
    assert (purchase.payment_kind, purchase.agreement_number, purchase.po_number) == ("invoice", "EA-1234567", "PO-778")
    assert purchase.payment_method_label == "Invoice (agreement EA-1234567, PO PO-778)"
    assert purchase.gateway_charge_id == "" and not GatewayCharge.objects.exists()
    assert ea_tenant.credit_account.balance == Decimal("1000.00")


def test_a_billing_admin_cannot_pay_by_invoice(ea_tenant):
    from accounts.roles import Role
    from tests.factories import UserFactory

    admin = UserFactory(tenant=ea_tenant, roles=[Role.GLOBAL_ADMIN])
    billing = UserFactory(tenant=ea_tenant, roles=[Role.BILLING_ADMIN])
    method = payment_method_add_invoice(tenant=ea_tenant, agreement_number="EA-1234567", actor=admin)
    with pytest.raises(PermissionDenied, match="Global admins only"):
        credits_add_funds(tenant=ea_tenant, amount=1000, payment_method=method, idempotency_key="inv", actor=billing)
    with pytest.raises(PermissionDenied):
        payment_method_add_invoice(tenant=ea_tenant, agreement_number="EA-1234567", actor=billing)
    assert nothing_written(ea_tenant)


def test_purchases_can_be_back_dated_but_not_dated_in_the_future(tenant, fund):
    a_year_ago = timezone.now() - timedelta(days=365)
    purchase = fund(100, at=a_year_ago)
    assert purchase.created_at == a_year_ago == purchase.lot.purchased_at == purchase.ledger_entry.created_at
    with pytest.raises(ValidationError):
        fund(100, at=timezone.now() + timedelta(days=1))


def test_a_successful_recharge_resets_the_failure_count(tenant, card, billing_admin):
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    auto_recharge_record_failure(tenant=tenant, reason="Your card was declined.")
    credits_add_funds(tenant=tenant, amount=500, payment_method=card, idempotency_key="recharge-1", actor=None,
                      kind=LedgerEntry.Kind.RECHARGE)
    tenant.auto_recharge.refresh_from_db()
    assert tenant.auto_recharge.consecutive_failures == 0
    assert LedgerEntry.objects.get().kind == "recharge"
