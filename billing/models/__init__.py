"""Models of Communications Credits: the ledger and its lots, payments, settings and the test gateway's store."""
from .gateway import GatewayCard, GatewayCharge, GatewayRefund
from .ledger import AppendOnlyError, CreditAccount, LedgerEntry, Lot, Reservation
from .payments import AutoRechargeSettings, PaymentMethod, Purchase, RecommendedFunding

__all__ = [
    "AppendOnlyError", "AutoRechargeSettings", "CreditAccount", "GatewayCard", "GatewayCharge", "GatewayRefund",
    "LedgerEntry", "Lot", "PaymentMethod", "Purchase", "RecommendedFunding", "Reservation",
]
