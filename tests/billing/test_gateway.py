"""The gateway interface and its sandbox: test cards, idempotent charges and refunds, the PAYMENT_GATEWAY setting."""
from decimal import Decimal

import pytest

from billing.credits.gateway import CardRejected, GatewayIdempotencyConflict, PaymentGateway, get_gateway
from billing.credits.gateway.cards import brand_of, card_problem, digits_of, luhn_valid
from billing.credits.gateway.sandbox import SandboxGateway
from billing.credits.models import GatewayCharge

from .conftest import future_year


def tokenise(number="4242 4242 4242 4242"):
    return SandboxGateway().tokenise_card(number=number, exp_month=12, exp_year=future_year(), cvc="123",
                                          holder_name="Test")


def test_card_checks_know_brands_and_luhn():
    assert digits_of("4242-4242 4242 4242") == "4242424242424242" and digits_of("4242x") == ""
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424241")
    assert [brand_of(n) for n in ("4242424242424242", "5555555555554444", "378282246310005", "6011111111111117")] == [
        "Visa", "Mastercard", "American Express", "Discover"]
    assert card_problem("4242424242424242", 12, future_year(), "") is None


def test_a_repeated_key_returns_the_first_charge_and_another_body_is_a_conflict(db):
    token = tokenise().token
    gateway = SandboxGateway()
    first = gateway.charge(token=token, amount=Decimal("10.00"), currency="USD", idempotency_key="k", description="x")
    again = gateway.charge(token=token, amount=Decimal("10.00"), currency="USD", idempotency_key="k", description="x")
    assert first == again and first.succeeded and GatewayCharge.objects.count() == 1
    with pytest.raises(GatewayIdempotencyConflict):
        gateway.charge(token=token, amount=Decimal("11.00"), currency="USD", idempotency_key="k", description="x")


def test_a_declined_charge_is_remembered_under_its_key(db):
    token = tokenise("4000 0000 0000 9995").token
    gateway = SandboxGateway()
    first = gateway.charge(token=token, amount=Decimal("10.00"), currency="USD", idempotency_key="k", description="x")
    assert not first.succeeded and first.decline_code == "insufficient_funds"
    assert gateway.charge(token=token, amount=Decimal("10.00"), currency="USD", idempotency_key="k",
                          description="x") == first


def test_refunds_are_idempotent_by_key(db):
    token = tokenise().token
    gateway = SandboxGateway()
    charge = gateway.charge(token=token, amount=Decimal("10.00"), currency="USD", idempotency_key="c", description="x")
    first = gateway.refund(charge_reference=charge.reference, amount=Decimal("4.00"), idempotency_key="r")
    assert gateway.refund(charge_reference=charge.reference, amount=Decimal("4.00"), idempotency_key="r") == first
    with pytest.raises(GatewayIdempotencyConflict):
        gateway.refund(charge_reference=charge.reference, amount=Decimal("5.00"), idempotency_key="r")


def test_the_sandbox_refuses_numbers_that_are_not_test_cards(db):
    with pytest.raises(CardRejected) as caught:
        tokenise("4111 1111 1111 1111")
    assert caught.value.field == "number"


class RecordingGateway(PaymentGateway):
    """A stand-in production gateway: proves the setting is honoured."""

    def tokenise_card(self, **kwargs):
        raise CardRejected("number", "recording gateway")

    def verify_card(self, **kwargs):
        raise NotImplementedError

    def charge(self, **kwargs):
        raise NotImplementedError

    def refund(self, **kwargs):
        raise NotImplementedError


def test_the_payment_gateway_setting_plugs_in_another_gateway(settings):
    assert isinstance(get_gateway(), SandboxGateway)
    settings.PAYMENT_GATEWAY = "tests.billing.test_gateway.RecordingGateway"
    assert isinstance(get_gateway(), RecordingGateway)
    settings.PAYMENT_GATEWAY = "billing.credits.models.Lot"
    with pytest.raises(TypeError, match="not a billing.credits.gateway.PaymentGateway subclass"):
        get_gateway()
