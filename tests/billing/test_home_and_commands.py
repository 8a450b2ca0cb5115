"""The Home card and the operator commands (adjust, refund)."""
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from billing.credits.selectors import credits_balance
from billing.credits.services import auto_recharge_update


def test_home_shows_the_credits_card_to_billing_admins(client_as, billing_admin, tenant, fund, card):
    fund(250)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    page = client_as(billing_admin).get(reverse("accounts:home")).content.decode()
    assert "Communications Credits" in page and "$250.00" in page
    assert "Auto-recharge: on, adds $500 when below $200" in page
    assert f'href="{reverse("billing:credits")}"' in page


def test_home_has_no_credits_card_for_other_roles(client_as, license_admin):
    page = client_as(license_admin).get(reverse("accounts:home")).content.decode()
    assert "Communications Credits" not in page


def test_credits_adjust_command_is_idempotent_by_key(tenant, fund):
    fund(10)
    out = StringIO()
    call_command("credits_adjust", tenant="contoso.test", amount="-2.50", reason="Correction", key="op-1", stdout=out)
    call_command("credits_adjust", tenant="contoso.test", amount="-2.50", reason="Correction", key="op-1", stdout=out)
    assert credits_balance(tenant=tenant).balance == Decimal("7.50")
    with pytest.raises(CommandError, match="amount"):
        call_command("credits_adjust", tenant="contoso.test", amount="lots", reason="x", key="op-2")
    with pytest.raises(CommandError, match="doesn't cover"):
        call_command("credits_adjust", tenant="contoso.test", amount="-100", reason="x", key="op-3")


def test_credits_refund_command_refunds_what_is_left(tenant, fund):
    purchase = fund(40)
    out = StringIO()
    call_command("credits_refund", purchase=purchase.pk, key="rf-1", reason="Closing account", stdout=out)
    assert "refunded 40.00, balance 0.00" in out.getvalue()
    with pytest.raises(CommandError, match="No purchase"):
        call_command("credits_refund", purchase=999999, key="rf-2")
