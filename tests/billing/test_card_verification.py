"""Cards are verified with the gateway when added (a zero-amount authorization); the same card twice is refused;
cards have nicknames and one default; deleting the card auto-recharge uses switches auto-recharge or turns it off."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.credits.models import AutoRechargeSettings, GatewayCharge, PaymentMethod
from billing.credits.services import (
    auto_recharge_update,
    payment_method_remove,
    payment_method_replace,
    payment_method_update,
)

from .conftest import DECLINED, DECLINED_AT_ADD, INSUFFICIENT, VISA, future_year

MASTERCARD = "5555 5555 5555 4444"


def test_the_declined_test_card_is_refused_when_added_and_nothing_is_kept(tenant, add_card):
    with pytest.raises(ValidationError) as caught:
        add_card(DECLINED_AT_ADD)
    assert caught.value.message_dict == {"number": [
        "The card wasn't added: the card issuer declined a $0.00 verification. Your card was declined. "
        "Use another payment method or contact your card issuer."]}
    assert not PaymentMethod.objects.exists()
    assert not GatewayCharge.objects.exists()  # a verification charges nothing


@pytest.mark.parametrize("number", [VISA, INSUFFICIENT, DECLINED])
def test_cards_the_issuer_accepts_are_added_with_their_verification(tenant, add_card, number):
    method = add_card(number)
    assert method.verification_reference.startswith("auth_") and method.card_fingerprint


def test_the_same_card_twice_is_refused_even_with_another_expiry_or_name(tenant, add_card, billing_admin):
    first = add_card(VISA)
    with pytest.raises(ValidationError) as caught:
        add_card("4242-4242-4242-4242", holder_name="Someone Else")
    assert caught.value.message_dict["number"] == [
        "This card is already on file as Visa •••• 4242. Use Replace on that card to change its expiration date."]
    assert PaymentMethod.objects.count() == 1
    # Replacing the card by itself (a new expiry date) is allowed; another tenant may hold the same card.
    renewed = payment_method_replace(payment_method=first, number=VISA, exp_month=1, exp_year=future_year() + 1,
                                     holder_name="Bill Billing", actor=billing_admin, cvc="123")
    assert renewed.exp_month == 1 and renewed.card_fingerprint == first.card_fingerprint


def test_another_tenant_may_hold_the_same_card(tenant, other_tenant, add_card, other_tenant_admin):
    add_card(VISA)
    theirs = add_card(VISA, for_tenant=other_tenant, actor=other_tenant_admin)
    assert theirs.tenant == other_tenant


def test_the_first_card_is_the_default_and_one_default_only(tenant, add_card, billing_admin):
    visa = add_card(VISA)
    assert visa.is_default
    mastercard = add_card(MASTERCARD)
    assert not mastercard.is_default
    payment_method_update(payment_method=mastercard, actor=billing_admin, nickname="  Finance   team ",
                          make_default=True)
    visa.refresh_from_db()
    assert (visa.is_default, mastercard.is_default, mastercard.nickname) == (False, True, "Finance team")
    assert mastercard.display_name == "Finance team (Mastercard •••• 4444)"
    assert PaymentMethod.objects.filter(is_default=True).count() == 1
    with pytest.raises(ValidationError) as caught:
        payment_method_update(payment_method=visa, actor=billing_admin, nickname="x" * 41)
    assert caught.value.message_dict == {"nickname": ["A nickname has at most 40 characters."]}
    # Deleting the default passes it to the oldest method left.
    payment_method_remove(payment_method=mastercard, actor=billing_admin)
    visa.refresh_from_db()
    assert visa.is_default


def test_deleting_the_auto_recharge_card_needs_a_choice_then_switches(tenant, card, add_card, billing_admin, fund):
    visa = card
    mastercard = add_card(MASTERCARD)
    fund(1000)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=visa,
                         actor=billing_admin)
    with pytest.raises(ValidationError) as caught:
        payment_method_remove(payment_method=visa, actor=billing_admin)
    assert "pays for auto-recharge" in caught.value.message_dict["switch_to"][0]
    payment_method_remove(payment_method=visa, actor=billing_admin, switch_to=mastercard)
    settings = AutoRechargeSettings.objects.get(tenant=tenant)
    assert settings.enabled and settings.payment_method == mastercard


def test_deleting_the_auto_recharge_card_can_turn_auto_recharge_off(tenant, card, billing_admin, fund):
    visa = card
    fund(1000)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=visa,
                         actor=billing_admin)
    payment_method_remove(payment_method=visa, actor=billing_admin, stop_auto_recharge=True)
    settings = AutoRechargeSettings.objects.get(tenant=tenant)
    assert (settings.enabled, settings.payment_method) == (False, None)


def test_the_delete_page_warns_and_offers_the_switch(client_as, tenant, card, add_card, billing_admin, fund,
                                                      other_tenant, other_tenant_admin):
    visa = card
    mastercard = add_card(MASTERCARD)
    fund(1000)
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=visa,
                         actor=billing_admin)
    client = client_as(billing_admin)
    url = reverse("billing:payment_method_delete", args=[visa.pk])
    page = client.get(url).content.decode()
    assert "Auto-recharge uses this payment method." in page and "auto-recharge stops" in page
    assert f'value="{mastercard.pk}" checked> Switch auto-recharge to Mastercard •••• 4444' in page
    theirs = add_card(VISA, for_tenant=other_tenant, actor=other_tenant_admin)
    response = client.post(url, {"auto_recharge": str(theirs.pk)})
    assert response.status_code == 400
    assert "Choose another of your organization" in response.content.decode()
    assert PaymentMethod.objects.get(pk=visa.pk).removed_at is None
    response = client.post(url, {"auto_recharge": str(mastercard.pk)}, follow=True)
    assert "Visa •••• 4242 was deleted. Auto-recharge now uses Mastercard •••• 4444." in response.content.decode()


def test_the_add_page_refuses_the_declined_card_and_never_echoes_it(client_as, billing_admin):
    response = client_as(billing_admin).post(reverse("billing:payment_method_add"), {
        "type": "card", "holder_name": "Bill", "number": DECLINED_AT_ADD, "exp_month": "12",
        "exp_year": str(future_year()), "cvc": "123", "nickname": "Travel"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "the card issuer declined a $0.00 verification" in page
    assert 'name="number" id="id_number" value=""' in page and 'name="nickname" id="id_nickname" value="Travel"' in page
    assert not PaymentMethod.objects.exists()


def test_the_edit_page_sets_nickname_and_default(client_as, billing_admin, add_card, other_tenant, other_tenant_admin):
    add_card(VISA)
    mastercard = add_card(MASTERCARD)
    client = client_as(billing_admin)
    response = client.post(reverse("billing:payment_method_edit", args=[mastercard.pk]),
                           {"nickname": "Finance", "make_default": "on"}, follow=True)
    page = response.content.decode()
    assert "Finance (Mastercard •••• 4444) was saved. It&#x27;s your default payment method." in page
    theirs = add_card(MASTERCARD, for_tenant=other_tenant, actor=other_tenant_admin)
    assert client.get(reverse("billing:payment_method_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("billing:payment_method_edit", args=[theirs.pk]), {"nickname": "x"}).status_code == 404
