"""The writes of Communications Credits; every other app calls these, never the models directly."""
from billing.credits.recharge.configure import auto_recharge_preview, auto_recharge_record_failure, auto_recharge_update
from billing.credits.recharge.engine import recharge_if_due, recharge_process, recharge_run, recharge_start, recharge_sweep

from .funding import PurchaseQuote, credits_add_funds, credits_purchase_quote
from .ledger import (
    credits_adjust,
    credits_available,
    credits_debit,
    credits_expire_lots,
    credits_expire_reservations,
    credits_locked_state,
    credits_refund,
    credits_release,
    credits_reserve,
)
from .ledger_batch import credits_debit_batch
from .payment_methods import (
    payment_method_add_card,
    payment_method_add_invoice,
    payment_method_remove,
    payment_method_replace,
    payment_method_update,
)

__all__ = [
    "auto_recharge_preview", "auto_recharge_record_failure", "auto_recharge_update", "credits_add_funds", "credits_adjust",
    "credits_purchase_quote", "PurchaseQuote", "credits_available",
    "credits_debit", "credits_debit_batch", "credits_expire_lots", "credits_expire_reservations", "credits_locked_state",
    "credits_refund",
    "credits_release", "credits_reserve",
    "payment_method_add_card", "payment_method_add_invoice", "payment_method_remove", "payment_method_replace",
    "payment_method_update",
    "recharge_if_due", "recharge_process", "recharge_run", "recharge_start", "recharge_sweep",
]
