"""The Communications Credits page: who may see and change it, Add funds, Auto-recharge settings, transactions."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tenant
from billing.credits.models import AutoRechargeSettings, GatewayCharge, LedgerEntry
from billing.credits.services import credits_debit


@pytest.mark.parametrize("persona", ["license_admin", "user_admin", "reports_reader", "teams_comms_admin"])
def test_only_billing_and_global_admins_open_the_credits_pages(request, client_as, persona):
    client = client_as(request.getfixturevalue(persona))
    for name in ("billing:credits", "billing:credits_transactions", "billing:payment_methods", "billing:credits_add_funds",
                 "billing:credits_auto_recharge", "billing:payment_method_add"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("billing:credits_add_funds"), {"amount": "100"}).status_code == 403


@pytest.mark.parametrize("persona", ["billing_admin", "global_admin"])
def test_billing_and_global_admins_see_balance_status_and_auto_recharge(request, client_as, persona, fund):
    fund(100)
    response = client_as(request.getfixturevalue(persona)).get(reverse("billing:credits"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="credits-balance">$100.00<' in page
    assert ">Active<" in page and "Edit auto recharge settings" in page and "Add funds" in page


@pytest.mark.parametrize(("amount", "message"), [
    ("-5", "Please enter a whole number greater than or equal to 1"),
    ("0", "Please enter a whole number greater than or equal to 1"),
    ("12.50", "Please enter a whole number greater than or equal to 1"),
    ("lots", "Please enter a whole number greater than or equal to 1"),
    ("99999999999", "Please enter a whole number less than or equal to 100,000"),
])
def test_add_funds_shows_the_amount_error_beside_the_field_and_charges_nothing(client_as, billing_admin, card, amount,
                                                                               message):
    response = client_as(billing_admin).post(reverse("billing:credits_add_funds"), {
        "amount": amount, "payment_method": str(card.pk), "idempotency_key": "form-1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<p class="field-error" id="err_amount" role="alert">{message}</p>' in page
    assert 'role="dialog"' in page and 'aria-labelledby="panel-title"' in page
    assert not GatewayCharge.objects.exists() and not LedgerEntry.objects.exists()


def test_another_tenants_payment_method_is_refused_by_add_funds(client_as, billing_admin, other_tenant, add_card,
                                                                other_tenant_admin):
    theirs = add_card(for_tenant=other_tenant, actor=other_tenant_admin)
    response = client_as(billing_admin).post(reverse("billing:credits_add_funds"), {
        "amount": "100", "payment_method": str(theirs.pk), "idempotency_key": "form-1"})
    assert response.status_code == 400
    assert "Choose one of your organization&#x27;s payment methods." in response.content.decode()
    assert not GatewayCharge.objects.exists()


def test_a_tenant_that_cannot_buy_sees_why_and_add_funds_is_off(client_as, billing_admin, tenant, card):
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind="MCA")
    client = client_as(billing_admin)
    page = client.get(reverse("billing:credits")).content.decode()
    assert "Microsoft Customer Agreement" in page
    assert '<button class="cmd" type="button" disabled>' in page
    response = client.post(reverse("billing:credits_add_funds"),
                           {"amount": "100", "payment_method": str(card.pk), "idempotency_key": "k"})
    assert response.status_code == 400 and "Microsoft Customer Agreement" in response.content.decode()


def test_the_auto_recharge_panel_suggests_the_recommended_amounts(client_as, billing_admin, card):
    page = client_as(billing_admin).get(reverse("billing:credits_auto_recharge")).content.decode()
    assert "Auto-recharge settings" in page and "Add this amount" in page and "When balance is below" in page
    assert 'name="recharge_amount" id="id_recharge_amount" value="500"' in page
    assert 'name="trigger_amount" id="id_trigger_amount" value="200"' in page
    assert "Recommended for 0 licensed users" in page


def test_auto_recharge_settings_are_saved_and_summarised(client_as, billing_admin, tenant, card):
    client = client_as(billing_admin)
    form = {"enabled": "on", "recharge_amount": "500", "trigger_amount": "200", "payment_method": str(card.pk)}
    asked = client.post(reverse("billing:credits_auto_recharge"), form).content.decode()
    assert "Saving recharges $500.00 now." in asked  # the balance ($0.00) is already below the trigger
    assert not AutoRechargeSettings.objects.filter(tenant=tenant).exists()
    response = client.post(reverse("billing:credits_auto_recharge"), {**form, "confirm_recharge": "500.00"}, follow=True)
    page = response.content.decode()
    assert "Auto-recharge is on: when your balance is below $200, $500 is added with Visa •••• 4242." in page
    settings = AutoRechargeSettings.objects.get(tenant=tenant)
    assert (settings.enabled, settings.trigger_amount, settings.recharge_amount) == (True, Decimal("200"), Decimal("500"))
    assert "<dt>When balance is below</dt><dd>$200</dd>" in page


def test_a_trigger_under_50_is_refused_with_the_portals_message(client_as, billing_admin, tenant, card):
    response = client_as(billing_admin).post(reverse("billing:credits_auto_recharge"), {
        "enabled": "on", "recharge_amount": "20", "trigger_amount": "49", "payment_method": str(card.pk)})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<p class="field-error" id="err_trigger_amount" role="alert">Please enter a whole number greater than or equal ' \
           'to 50</p>' in page
    assert '<p class="field-error" id="err_recharge_amount" role="alert">Please enter a whole number greater than or ' \
           'equal to 50</p>' in page
    assert not AutoRechargeSettings.objects.exists()


def test_transactions_are_filtered_by_type_and_dates(client_as, billing_admin, tenant, fund):
    fund(100, at=timezone.now() - timedelta(days=40))
    fund(50)
    credits_debit(tenant=tenant, amount=Decimal("1.25"), call_id="call-77")
    client = client_as(billing_admin)
    page = client.get(reverse("billing:credits_transactions")).content.decode()
    assert page.count("<td>Purchase</td>") == 2 and "Call call-77" in page and "−$1.25" in page
    only_calls = client.get(reverse("billing:credits_transactions"), {"type": "call_charge"}).content.decode()
    assert "<td>Purchase</td>" not in only_calls and "Call call-77" in only_calls
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    recent = client.get(reverse("billing:credits_transactions"), {"from": since}).content.decode()
    assert recent.count("<td>Purchase</td>") == 1
    bad = client.get(reverse("billing:credits_transactions"), {"from": "yesterday", "type": "nope"})
    assert bad.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in bad.content.decode()


def test_a_purchase_shows_its_invoice_number_linked_to_the_invoice(client_as, billing_admin, tenant, fund):
    from billing.invoices.models import Invoice

    purchase = fund(100)
    invoice = Invoice.objects.get(tenant=tenant, reference=f"purchase:{purchase.pk}")
    page = client_as(billing_admin).get(reverse("billing:credits_transactions")).content.decode()
    link = f'<a href="{reverse("invoices:detail", args=[invoice.pk])}">Invoice {invoice.display_number}</a>'
    assert link in page and f"Purchase {purchase.pk}" not in page


def _fill(tenant, fund, count):
    for index in range(count):
        fund(60)
        credits_debit(tenant=tenant, amount=Decimal("1.00"), call_id=f"call-{index}")


@pytest.mark.parametrize("url_name", ["billing:credits", "billing:credits_transactions", "billing:payment_methods"])
def test_page_queries_do_not_grow_with_rows(client_as, billing_admin, tenant, fund, add_card, url_name,
                                            django_assert_num_queries):
    client = client_as(billing_admin)
    url = reverse(url_name)
    _fill(tenant, fund, 2)
    client.get(url)  # warm the session and the navigation's URL cache
    # transactions: one more for the invoices of the page's purchases, whatever their number
    expected = {"billing:credits": 12, "billing:credits_transactions": 7, "billing:payment_methods": 6}[url_name]
    with django_assert_num_queries(expected):
        client.get(url)
    _fill(tenant, fund, 30)
    for number in ("5555 5555 5555 4444", "6011 1111 1111 1117", "4000 0000 0000 9995", "4000 0000 0000 0341",
                   "4000 0000 0000 0069"):  # the same card twice is refused: five different test cards
        add_card(number)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
