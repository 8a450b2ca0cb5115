"""What the credits services refuse with, beyond ValidationError (bad input, naming the field)."""
from decimal import Decimal


class CreditsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InsufficientCredits(CreditsError):
    """The available balance (after reservations) does not cover the amount; nothing was written."""

    def __init__(self, *, amount: Decimal | int | str, available: Decimal | int | str) -> None:
        self.amount = Decimal(amount)
        self.available = Decimal(available)
        super().__init__(f"The Communications Credits balance available (${self.available:,.2f}) doesn't cover "
                         f"${self.amount:,.2f}.")


class IdempotencyConflict(CreditsError):
    """The idempotency key (or call id) was used before for a request with different content."""


class PurchaseNotAllowed(CreditsError):
    """The tenant's billing account can't buy credits (PRODUCT.md's purchase rules); the message says why."""


class PaymentDeclined(CreditsError):
    """The gateway declined the charge; nothing was written to the ledger."""

    field = "payment_method"

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code
