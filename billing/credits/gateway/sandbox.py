"""The built-in gateway: a card processor's test mode, with documented test cards and idempotent charges.

Test card numbers (any holder name, any future expiry, any 3-digit CVC, 4 digits for American Express):

| Number              | Brand            | Charges                          |
|---------------------|------------------|----------------------------------|
| 4242 4242 4242 4242 | Visa             | succeed                          |
| 5555 5555 5555 4444 | Mastercard       | succeed                          |
| 3782 822463 10005   | American Express | succeed                          |
| 6011 1111 1111 1117 | Discover         | succeed                          |
| 4000 0000 0000 0002 | Visa             | declined (card_declined): the card can't even be added |
| 4000 0000 0000 0341 | Visa             | verified when added, then declined (card_declined) |
| 4000 0000 0000 9995 | Visa             | fail: insufficient funds         |
| 4000 0000 0000 0069 | Visa             | fail: expired card               |

A card is verified when it is added (a zero-amount authorization): the declined test card (0002) is declined
then; 0341 and the insufficient-funds card pass (a zero-amount check asks for no funds) and fails when it is charged.
A card whose expiry date has passed can't be added, and a stored card charged after its expiry month
fails as expired. Each tokenised card carries a fingerprint of its number (keyed with SECRET_KEY), the same for the
same number, so a card added twice is recognised. Any other number is refused: the sandbox never sees real cards.
"""
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.credits.models import GatewayCard, GatewayCharge, GatewayRefund

from . import CardRejected, ChargeResult, GatewayIdempotencyConflict, PaymentGateway, RefundResult, TokenisedCard
from .cards import brand_of, card_problem, digits_of

SUCCEEDED = "succeeded"
TEST_CARDS = {
    "4242424242424242": SUCCEEDED,
    "5555555555554444": SUCCEEDED,
    "378282246310005": SUCCEEDED,
    "6011111111111117": SUCCEEDED,
    "4000000000000002": "card_declined",
    "4000000000000341": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
}
DECLINE_MESSAGES = {
    "card_declined": "Your card was declined. Use another payment method or contact your card issuer.",
    "insufficient_funds": "Your card has insufficient funds. Use another payment method.",
    "expired_card": "Your card has expired. Replace it on Payment methods and try again.",
}


VERIFIED_THEN_DECLINED = "0341"  # the test card a zero-amount authorization accepts and every charge declines


def _card_fingerprint(digits):
    return hmac.new(settings.SECRET_KEY.encode(), f"card:{digits}".encode(), hashlib.sha256).hexdigest()[:32]


def _fingerprint(*parts):
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


class SandboxGateway(PaymentGateway):
    test_mode = True

    def tokenise_card(self, *, number, exp_month, exp_year, cvc, holder_name):
        problem = card_problem(number, exp_month, exp_year, cvc)
        if problem:
            raise CardRejected(*problem)
        digits = digits_of(number)
        if digits not in TEST_CARDS:
            raise CardRejected("number", "This payment gateway is in test mode: use one of the test card numbers.")
        card = GatewayCard.objects.create(
            token=f"tok_{secrets.token_hex(12)}", brand=brand_of(digits), last4=digits[-4:],
            exp_month=int(exp_month), exp_year=int(exp_year), outcome=TEST_CARDS[digits],
        )
        return TokenisedCard(card.token, card.brand, card.last4, card.exp_month, card.exp_year,
                             fingerprint=_card_fingerprint(digits))

    def verify_card(self, *, token, idempotency_key):
        """A zero-amount authorization: its answer depends on the card alone, so a repeated key gets the same one."""
        card = GatewayCard.objects.filter(token=token).first()
        outcome = "card_declined" if card is None else card.outcome
        reference = f"auth_{_fingerprint(token, idempotency_key)[:24]}"
        if outcome == "card_declined" and (card is None or card.last4 != VERIFIED_THEN_DECLINED):
            return ChargeResult(False, reference, outcome, DECLINE_MESSAGES[outcome])
        return ChargeResult(True, reference)

    def charge(self, *, token, amount, currency, idempotency_key, description):
        fingerprint = _fingerprint(token, amount, currency)
        first = GatewayCharge.objects.filter(idempotency_key=idempotency_key).first()
        if first is None:
            first = self._record_charge(token, amount, currency, idempotency_key, fingerprint)
        if first.request_fingerprint != fingerprint:
            raise GatewayIdempotencyConflict(f"The idempotency key {idempotency_key!r} was used for another charge.")
        return ChargeResult(first.status == GatewayCharge.Status.SUCCEEDED, first.reference, first.decline_code, first.message)

    def _record_charge(self, token, amount, currency, idempotency_key, fingerprint):
        card = GatewayCard.objects.filter(token=token).first()
        today = timezone.localdate()
        if card is None:
            outcome = "card_declined"
        elif (card.exp_year, card.exp_month) < (today.year, today.month):
            outcome = "expired_card"
        else:
            outcome = card.outcome
        try:
            with transaction.atomic():
                return GatewayCharge.objects.create(
                    idempotency_key=idempotency_key, request_fingerprint=fingerprint,
                    reference=f"ch_{secrets.token_hex(12)}", token=token, amount=amount, currency=currency,
                    status=GatewayCharge.Status.SUCCEEDED if outcome == SUCCEEDED else GatewayCharge.Status.DECLINED,
                    decline_code="" if outcome == SUCCEEDED else outcome,
                    message="" if outcome == SUCCEEDED else DECLINE_MESSAGES[outcome],
                )
        except IntegrityError:
            # A concurrent request with the same key recorded its charge first: that result is the answer.
            return GatewayCharge.objects.get(idempotency_key=idempotency_key)

    def refund(self, *, charge_reference, amount, idempotency_key):
        first = GatewayRefund.objects.filter(idempotency_key=idempotency_key).select_related("charge").first()
        if first is None:
            charge = GatewayCharge.objects.get(reference=charge_reference, status=GatewayCharge.Status.SUCCEEDED)
            try:
                with transaction.atomic():
                    first = GatewayRefund.objects.create(idempotency_key=idempotency_key, charge=charge, amount=amount,
                                                         reference=f"re_{secrets.token_hex(12)}")
            except IntegrityError:
                first = GatewayRefund.objects.select_related("charge").get(idempotency_key=idempotency_key)
        if first.charge.reference != charge_reference or first.amount != amount:
            raise GatewayIdempotencyConflict(f"The idempotency key {idempotency_key!r} was used for another refund.")
        return RefundResult(first.reference, first.amount)
