"""The payment gateway interface: tokenise a card, verify it (a zero-amount authorization), charge a token under an
idempotency key, refund a charge.

The gateway in use is named by the `PAYMENT_GATEWAY` setting (a dotted path to a `PaymentGateway`
subclass); the default is the built-in sandbox, which behaves like a card processor's test mode.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "billing.credits.gateway.sandbox.SandboxGateway"


@dataclass(frozen=True)
class TokenisedCard:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str = ""  # the same for the same card number, whoever adds it (the processor's card fingerprint)


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    reference: str
    decline_code: str = ""
    message: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str
    amount: Decimal


class CardRejected(Exception):
    """The gateway refused to tokenise a card; `field` names the input at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class GatewayIdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


class PaymentGateway(ABC):
    """What Communications Credits needs from a card processor. Implementations must be idempotent by key."""

    test_mode = False

    @abstractmethod
    def tokenise_card(self, *, number, exp_month, exp_year, cvc, holder_name) -> TokenisedCard:
        """Raises CardRejected. The number and CVC go to the processor only; the caller keeps the token."""

    @abstractmethod
    def verify_card(self, *, token, idempotency_key) -> ChargeResult:
        """A zero-amount authorization: whether the issuer accepts the card now (nothing is charged). A declined
        verification is a result, not an exception; a repeated key returns the first result."""

    @abstractmethod
    def charge(self, *, token, amount, currency, idempotency_key, description) -> ChargeResult:
        """A declined charge is a result, not an exception. A repeated key returns the first result."""

    @abstractmethod
    def refund(self, *, charge_reference, amount, idempotency_key) -> RefundResult:
        """Returns money of a succeeded charge to its card; a repeated key returns the first refund."""


@cache
def _gateway_class(dotted_path):
    cls = import_string(dotted_path)
    if not (isinstance(cls, type) and issubclass(cls, PaymentGateway)):
        raise TypeError(f"PAYMENT_GATEWAY={dotted_path!r} is not a billing.credits.gateway.PaymentGateway subclass.")
    return cls


def get_gateway() -> PaymentGateway:
    return _gateway_class(getattr(settings, "PAYMENT_GATEWAY", DEFAULT_GATEWAY))()
