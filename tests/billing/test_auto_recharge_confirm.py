"""Auto-recharge settings that would recharge at once say so and ask; a recharge under the trigger is refused."""
from decimal import Decimal

from django.urls import reverse

from billing.credits.models import AutoRechargeSettings, GatewayCharge, Purchase
from billing.credits.selectors import credits_balance

URL = reverse("billing:credits_auto_recharge")


def form(card, **values):
    return {"enabled": "on", "mode": "fixed", "recharge_amount": "500", "trigger_amount": "200",
            "payment_method": str(card.pk), **values}


def test_saving_below_the_trigger_asks_first_and_recharges_once_confirmed(client_as, billing_admin, tenant, card, fund,
                                                                          django_capture_on_commit_callbacks):
    fund(100)
    client = client_as(billing_admin)
    asked = client.post(URL, form(card))
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Saving recharges $500.00 now." in page
    assert "Your available balance of $100.00 is already below $200" in page
    assert 'name="confirm_recharge" value="500.00">Save and recharge now</button>' in page
    assert not AutoRechargeSettings.objects.filter(tenant=tenant).exists()  # nothing saved, nothing charged
    assert GatewayCharge.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(URL, {**form(card), "confirm_recharge": "500.00"}, follow=True)
    assert "Auto-recharge is on" in done.content.decode()
    assert Purchase.objects.filter(kind="recharge").count() == 1
    assert credits_balance(tenant=tenant).balance == Decimal("600.00")


def test_a_confirmation_for_other_figures_asks_again(client_as, billing_admin, tenant, card, fund):
    fund(100)
    client = client_as(billing_admin)
    again = client.post(URL, {**form(card, recharge_amount="700"), "confirm_recharge": "500.00"})
    assert again.status_code == 409
    assert "Saving recharges $700.00 now." in again.content.decode()
    assert not Purchase.objects.filter(kind="recharge").exists()


def test_settings_that_do_not_recharge_now_save_at_once(client_as, billing_admin, tenant, card, fund):
    fund(1000)
    response = client_as(billing_admin).post(URL, form(card), follow=True)
    assert response.redirect_chain == [(reverse("billing:credits"), 302)]
    assert not Purchase.objects.filter(kind="recharge").exists()


def test_a_top_up_below_the_trigger_shows_the_amount_it_would_add(client_as, billing_admin, tenant, card, fund):
    fund(130)
    page = client_as(billing_admin).post(URL, form(card, mode="top_up", target_balance="400")).content.decode()
    assert "Saving recharges $270.00 now." in page


def test_a_recharge_below_the_trigger_is_refused_with_why(client_as, billing_admin, tenant, card, fund):
    fund(1000)
    response = client_as(billing_admin).post(URL, form(card, recharge_amount="100", trigger_amount="200"))
    assert response.status_code == 400
    assert ("Add at least $200, the amount in When balance is below: a smaller recharge leaves the balance under it"
            in response.content.decode())
    assert not AutoRechargeSettings.objects.filter(tenant=tenant).exists()


def test_turning_auto_recharge_off_never_asks(client_as, billing_admin, tenant, card, fund):
    fund(10)
    response = client_as(billing_admin).post(URL, {"mode": "fixed", "recharge_amount": "500", "trigger_amount": "200",
                                                   "payment_method": str(card.pk)}, follow=True)
    assert "Auto-recharge is off." in response.content.decode()
