"""Auto-recharge settings and what the recharge engine reads: below the trigger, paused after failures."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditLog, Tenant
from billing.credits.exceptions import PurchaseNotAllowed
from billing.credits.models import AutoRechargeSettings
from billing.credits.selectors import credits_balance
from billing.credits.services import (
    auto_recharge_record_failure,
    auto_recharge_update,
    credits_debit,
    credits_reserve,
    payment_method_add_invoice,
)


def turn_on(tenant, card, actor, trigger=200, recharge=500):
    return auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=trigger, recharge_amount=recharge,
                                payment_method=card, actor=actor)


def test_turning_auto_recharge_on_stores_the_settings_and_an_audit_row(tenant, card, billing_admin):
    settings = turn_on(tenant, card, billing_admin)
    assert (settings.enabled, settings.trigger_amount, settings.recharge_amount, settings.payment_method) == (
        True, Decimal("200.00"), Decimal("500.00"), card)
    row = AuditLog.objects.get(action="credits.auto_recharge")
    assert row.after == {"enabled": True, "mode": "fixed", "trigger_amount": "200.00", "recharge_amount": "500.00",
                         "target_balance": None, "monthly_cap": None, "payment_method": "Visa •••• 4242"}


@pytest.mark.parametrize(("trigger", "recharge", "fields"), [
    (49, 500, {"trigger_amount"}),
    (200, 49, {"recharge_amount"}),
    ("", "", {"trigger_amount", "recharge_amount"}),
    ("200.5", "abc", {"trigger_amount", "recharge_amount"}),
    (-200, 0, {"trigger_amount", "recharge_amount"}),
])
def test_amounts_under_50_or_not_whole_are_refused_together(tenant, card, billing_admin, trigger, recharge, fields):
    with pytest.raises(ValidationError) as caught:
        turn_on(tenant, card, billing_admin, trigger=trigger, recharge=recharge)
    assert set(caught.value.message_dict) == fields
    for field in fields:
        assert caught.value.message_dict[field] == ["Please enter a whole number greater than or equal to 50"]
    assert not AutoRechargeSettings.objects.exists()


def test_turning_it_on_needs_a_payment_method_of_the_tenant(tenant, billing_admin, other_tenant, other_tenant_admin,
                                                            add_card):
    with pytest.raises(ValidationError) as caught:
        turn_on(tenant, None, billing_admin)
    assert "payment_method" in caught.value.message_dict
    theirs = add_card(for_tenant=other_tenant, actor=other_tenant_admin)
    with pytest.raises(ValidationError):
        turn_on(tenant, theirs, billing_admin)
    assert not AutoRechargeSettings.objects.exists()


def test_a_billing_account_that_cannot_buy_cannot_turn_it_on(tenant, card, billing_admin):
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind="MCA")
    tenant.refresh_from_db()
    with pytest.raises(PurchaseNotAllowed):
        turn_on(tenant, card, billing_admin)


def test_only_a_global_admin_sets_invoice_payment_for_recharges(tenant, global_admin, billing_admin):
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind="EA", agreement_number="EA-9")
    tenant.refresh_from_db()
    invoice = payment_method_add_invoice(tenant=tenant, agreement_number="EA-9", actor=global_admin)
    with pytest.raises(PermissionDenied):
        turn_on(tenant, invoice, billing_admin)
    assert turn_on(tenant, invoice, global_admin).payment_method == invoice


def test_turning_it_off_keeps_the_amounts(tenant, card, billing_admin):
    turn_on(tenant, card, billing_admin)
    settings = auto_recharge_update(tenant=tenant, enabled=False, trigger_amount="", recharge_amount=None,
                                    payment_method=None, actor=billing_admin)
    assert (settings.enabled, settings.trigger_amount, settings.recharge_amount, settings.payment_method) == (
        False, Decimal("200.00"), Decimal("500.00"), card)


def test_the_recharge_engine_sees_when_the_available_balance_is_below_the_trigger(tenant, card, billing_admin, fund):
    fund(300)
    turn_on(tenant, card, billing_admin)
    balance = credits_balance(tenant=tenant)
    assert not balance.below_trigger and not balance.recharge_due
    credits_reserve(tenant=tenant, amount=Decimal("100.01"), call_id="live")
    balance = credits_balance(tenant=tenant)
    assert balance.available == Decimal("199.99") and balance.below_trigger and balance.recharge_due
    credits_debit(tenant=tenant, amount=Decimal("100.01"), call_id="live")
    assert credits_balance(tenant=tenant).recharge_due


def test_three_failed_recharges_in_a_row_pause_auto_recharge_until_saved_again(tenant, card, billing_admin, fund):
    fund(100)
    turn_on(tenant, card, billing_admin)
    for attempt in range(1, 4):
        settings = auto_recharge_record_failure(tenant=tenant, reason="Your card was declined.")
        assert settings.consecutive_failures == attempt and settings.paused == (attempt == 3)
    balance = credits_balance(tenant=tenant)
    assert balance.below_trigger and balance.auto_recharge_paused and not balance.recharge_due
    settings = turn_on(tenant, card, billing_admin)
    assert (settings.paused, settings.consecutive_failures) == (False, 0)
    assert credits_balance(tenant=tenant).recharge_due
