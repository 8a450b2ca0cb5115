"""The writes of Communications Credits; every other app calls these, never the models directly."""
from .auto_recharge import auto_recharge_record_failure, auto_recharge_update
from .funding import credits_add_funds
from .ledger import (
    credits_adjust,
    credits_available,
    credits_debit,
    credits_expire_lots,
    credits_expire_reservations,
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
)
from .recharge import recharge_if_due, recharge_process, recharge_run, recharge_start, recharge_sweep

__all__ = [
    "auto_recharge_record_failure", "auto_recharge_update", "credits_add_funds", "credits_adjust", "credits_available",
    "credits_debit", "credits_debit_batch", "credits_expire_lots", "credits_expire_reservations", "credits_refund",
    "credits_release", "credits_reserve",
    "payment_method_add_card", "payment_method_add_invoice", "payment_method_remove", "payment_method_replace",
    "recharge_if_due", "recharge_process", "recharge_run", "recharge_start", "recharge_sweep",
]
