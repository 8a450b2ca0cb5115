"""Subscriptions: the Communications Credits guarantee, buying and removing licenses through the ledger."""
import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from licensing.models import Subscription, SubscriptionQuantityChange
from licensing.services import (
    subscription_buy,
    subscription_ensure_communications_credits,
    subscription_remove_licenses,
)
from tests.licensing.factories import give_license, product


def test_ensure_credits_creates_an_active_subscription_with_ledger_and_audit(tenant, billing_admin):
    subscription = subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin)
    assert subscription.product.sku_part_number == "MCOPSTNC"
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.enabled_units == 10_000_000
    ledger = list(SubscriptionQuantityChange.objects.filter(subscription=subscription))
    assert [(e.delta, e.quantity_after) for e in ledger] == [(10_000_000, 10_000_000)]
    actions = list(AuditLog.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert sorted(actions) == ["subscription.buy", "subscription.create"]


def test_ensure_credits_twice_changes_nothing_the_second_time(tenant, billing_admin):
    first = subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin)
    audit_rows = AuditLog.objects.count()
    second = subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin)
    assert second.pk == first.pk
    assert Subscription.objects.filter(tenant=tenant).count() == 1
    assert SubscriptionQuantityChange.objects.count() == 1
    assert AuditLog.objects.count() == audit_rows


def test_ensure_credits_tops_up_a_smaller_subscription_and_reactivates_it(tenant, billing_admin):
    subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin, quantity=5)
    Subscription.objects.filter(tenant=tenant).update(status=Subscription.Status.DISABLED)
    subscription = subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin, quantity=50)
    assert subscription.enabled_units == 50
    assert subscription.status == Subscription.Status.ACTIVE
    assert sum(SubscriptionQuantityChange.objects.values_list("delta", flat=True)) == 50


def test_ensure_credits_is_per_tenant(tenant, other_tenant, billing_admin):
    subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin, quantity=5)
    subscription_ensure_communications_credits(tenant=other_tenant, actor=None, quantity=7)
    assert {s.tenant_id: s.enabled_units for s in Subscription.objects.all()} == {tenant.pk: 5, other_tenant.pk: 7}


def test_buy_creates_the_subscription_at_list_price_then_adds(tenant, billing_admin):
    e5 = product("SPE_E5")
    subscription = subscription_buy(tenant=tenant, product=e5, quantity=10, actor=billing_admin, idempotency_key="a")
    assert subscription.price == e5.list_price
    subscription = subscription_buy(tenant=tenant, product=e5, quantity="5", actor=billing_admin, idempotency_key="b")
    assert subscription.enabled_units == 15
    assert list(subscription.quantity_changes.values_list("delta", flat=True)) == [10, 5]


def test_buy_with_a_repeated_key_buys_once(tenant, billing_admin):
    e5 = product("SPE_E5")
    subscription_buy(tenant=tenant, product=e5, quantity=10, actor=billing_admin, idempotency_key="same")
    subscription = subscription_buy(tenant=tenant, product=e5, quantity=10, actor=billing_admin,
                                    idempotency_key="same")
    assert subscription.enabled_units == 10
    assert subscription.quantity_changes.count() == 1


@pytest.mark.parametrize("quantity", [0, -3, "ten", "1.5", None, True])
def test_buy_refuses_a_quantity_that_is_not_a_positive_whole_number(tenant, billing_admin, quantity):
    with pytest.raises(ValidationError) as exc:
        subscription_buy(tenant=tenant, product=product("MCOEV"), quantity=quantity, actor=billing_admin,
                         idempotency_key="x")
    assert "quantity" in exc.value.message_dict
    assert not Subscription.objects.exists()


def test_remove_cannot_go_below_the_licenses_assigned(tenant, billing_admin, global_admin):
    phone = product("MCOEV")
    subscription = subscription_buy(tenant=tenant, product=phone, quantity=5, actor=billing_admin,
                                    idempotency_key="buy")
    for user in [billing_admin, global_admin]:
        give_license(user, "MCOEV")
    with pytest.raises(ValidationError) as exc:
        subscription_remove_licenses(subscription=subscription, new_quantity=1, actor=billing_admin,
                                     idempotency_key="rm1")
    assert "2 licenses of Microsoft Teams Phone Standard are assigned" in exc.value.message_dict["new_quantity"][0]
    subscription.refresh_from_db()
    assert subscription.enabled_units == 5
    subscription = subscription_remove_licenses(subscription=subscription, new_quantity=2, actor=billing_admin,
                                                idempotency_key="rm2")
    assert subscription.enabled_units == 2
    assert list(subscription.quantity_changes.values_list("delta", flat=True)) == [5, -3]
    assert AuditLog.objects.filter(action="subscription.remove").count() == 1


def test_the_quantity_ledger_is_append_only(tenant, billing_admin):
    subscription = subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin, quantity=5)
    entry = subscription.quantity_changes.get()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        SubscriptionQuantityChange.objects.all().delete()
