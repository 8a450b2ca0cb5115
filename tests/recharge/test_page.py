"""The Communications Credits page tells the admin how recharges went: last status and reason, pause, history."""
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from billing.credits.models import RechargeAttempt

from .conftest import DECLINED


def page(client_as, user):
    response = client_as(user).get(reverse("billing:credits"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_successful_recharge_shows_in_the_history_with_its_invoice(tenant, funded, debit, client_as, billing_admin):
    funded(300)
    debit("150")
    attempt = RechargeAttempt.objects.get()
    html = page(client_as, billing_admin)
    assert 'data-testid="recharge-history"' in html and "Auto-recharge history" in html
    assert reverse("invoices:detail", kwargs={"invoice_id": attempt.invoice.pk}) in html
    assert attempt.invoice.display_number in html and "$500.00" in html
    assert 'data-testid="last-recharge"><span class="badge ok">Succeeded</span>' in html
    assert 'data-testid="recharge-failed"' not in html and 'data-testid="recharge-paused"' not in html


def test_a_failed_recharge_shows_its_reason_the_next_try_and_how_to_fix_it(tenant, funded, add_card, debit, client_as,
                                                                          billing_admin):
    funded(300, method=add_card(DECLINED))
    debit("150")
    attempt = RechargeAttempt.objects.get()
    html = page(client_as, billing_admin)
    assert 'data-testid="recharge-failed"' in html
    assert "The last auto-recharge failed." in html and "Your card was declined." in html
    assert f"We'll try again after {attempt.retry_at:%b} {attempt.retry_at.day}" in html
    assert f'href="{reverse("billing:payment_methods")}">Update your payment method</a>' in html
    assert '<span class="badge bad">Failed</span>' in html


def test_a_paused_auto_recharge_says_to_update_the_payment_method(tenant, funded, add_card, debit, client_as,
                                                                 billing_admin, clock, run_on_commit, settings):
    from billing.credits.services import recharge_sweep

    settings.CREDITS_RECHARGE_RETRY_DELAYS = [60]
    funded(300, method=add_card(DECLINED))
    debit("150")
    for _ in range(2):
        clock.advance(seconds=61)
        run_on_commit(recharge_sweep)
    html = page(client_as, billing_admin)
    assert 'data-testid="recharge-paused"' in html and 'data-testid="recharge-failed"' not in html
    assert "Auto-recharge is paused</strong> after 3 failed recharges in a row." in html
    assert "Last reason: Your card was declined." in html
    assert f'href="{reverse("billing:payment_methods")}">Update your payment method</a>' in html
    assert f'href="{reverse("billing:credits_auto_recharge")}">save the auto-recharge settings</a>' in html


def test_the_history_shows_only_this_tenants_recharges(tenant, other_tenant, funded, debit, client_as, other_tenant_admin):
    funded(300)
    debit("150")
    html = page(client_as, other_tenant_admin)
    assert "Auto-recharge history" not in html


def test_the_page_queries_do_not_grow_with_recharges(tenant, card, funded, debit, client_as, billing_admin,
                                                     django_assert_num_queries):
    funded(300)
    debit("150")
    client = client_as(billing_admin)
    url = reverse("billing:credits")
    client.get(url)
    # 12, and the forecast beside the lots: lots, the spend of the last 28 days, the auto-recharge settings.
    with django_assert_num_queries(15):
        client.get(url)
    now = timezone.now()
    RechargeAttempt.objects.bulk_create([
        RechargeAttempt(tenant=tenant, status=RechargeAttempt.Status.FAILED, amount=Decimal("500"),
                        trigger_amount=Decimal("200"), available_at_start=Decimal("150"), payment_method=card,
                        payment_method_label=card.label, reason="Your card was declined.", created_at=now - timedelta(days=n),
                        finished_at=now - timedelta(days=n))
        for n in range(1, 25)])
    with django_assert_num_queries(15):
        html = client.get(url).content.decode()
    assert html.count("Your card was declined.") == 9  # the ten latest rows: the success and nine failures
