"""The create_api_token command prints a token that works against /v1.0/."""
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken


def test_create_api_token_prints_a_working_token(tenant):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "--tenant", "CONTOSO.test", "--name", "Provisioning script", "--scope",
                 "graph.read", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert ApiToken.objects.get(tenant=tenant).name == "Provisioning script"
    assert "won't be shown again" in err.getvalue()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/v1.0/subscribedSkus").status_code == 200
    assert api.get("/api/v1/credits").status_code == 403  # billing.read was not chosen


def test_create_api_token_with_an_expiry(tenant, clock):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "--tenant", tenant.initial_domain, "--name", "Platform", "--scope", "calls",
                 "--expires-days", "30", stdout=out, stderr=err)
    token = ApiToken.objects.get(tenant=tenant)
    assert token.scopes == ["calls"]
    assert (token.expires_at - clock.now()).days in (29, 30)
    assert "scopes: calls" in err.getvalue()


def test_create_api_token_needs_a_scope(tenant):
    with pytest.raises(CommandError, match="scope"):
        call_command("create_api_token", "--tenant", tenant.initial_domain, "--name", "x")


def test_create_api_token_for_an_unknown_tenant_fails(db):
    with pytest.raises(CommandError, match="No tenant has the domain 'nowhere.example'"):
        call_command("create_api_token", "--tenant", "nowhere.example", "--name", "x", "--scope", "calls")
    assert not ApiToken.objects.exists()


def test_create_api_token_needs_a_name(tenant):
    with pytest.raises(CommandError, match="name"):
        call_command("create_api_token", "--tenant", tenant.initial_domain, "--name", "  ", "--scope", "calls")


def test_ledger_check_passes_after_purchases_and_removals(tenant, billing_admin):
    from licensing.services import subscription_buy, subscription_remove_licenses
    from tests.licensing.factories import product

    subscription = subscription_buy(tenant=tenant, product=product("MCOEV"), quantity=10, actor=billing_admin,
                                    idempotency_key="a")
    subscription_remove_licenses(subscription=subscription, new_quantity=4, actor=billing_admin, idempotency_key="b")
    out = io.StringIO()
    call_command("check_subscription_ledger", stdout=out)
    assert "Every subscription matches" in out.getvalue()


def test_ledger_check_reports_a_subscription_changed_behind_the_ledger(tenant, billing_admin):
    from licensing.models import Subscription
    from licensing.services import subscription_ensure_communications_credits

    subscription_ensure_communications_credits(tenant=tenant, actor=billing_admin, quantity=100)
    Subscription.objects.filter(tenant=tenant).update(enabled_units=150)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 subscription"):
        call_command("check_subscription_ledger", stdout=out)
    assert "MCOPSTNC: 150 enabled, ledger says 100" in out.getvalue()
