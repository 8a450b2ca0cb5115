"""Models of Communications Credits: ledger, lots, payments, settings, recharge attempts, the test gateway's store."""
from .gateway import GatewayCard, GatewayCharge, GatewayRefund
from .ledger import AppendOnlyError, CreditAccount, LedgerEntry, Lot, Reservation
from .payments import AutoRechargeSettings, PaymentMethod, Purchase, RecommendedFunding
from .recharge import RechargeAttempt

__all__ = [
    "AppendOnlyError", "AutoRechargeSettings", "CreditAccount", "GatewayCard", "GatewayCharge", "GatewayRefund",
    "LedgerEntry", "Lot", "PaymentMethod", "Purchase", "RechargeAttempt", "RecommendedFunding", "Reservation",
]
