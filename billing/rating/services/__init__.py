"""Writes of Rating and charging: rate decks, tenant phone numbers, real-time calls and call-record imports."""
from .calls import Decision, call_authorizations_expire, call_authorize, call_complete
from .decks import rate_deck_import
from .extend import Extension, call_extend
from .imports import ImportResult, call_records_import
from .phone_numbers import phone_number_add, phone_number_release

__all__ = [
    "Decision", "Extension", "ImportResult", "call_authorizations_expire", "call_authorize", "call_complete",
    "call_extend", "call_records_import",
    "phone_number_add", "phone_number_release", "rate_deck_import",
]
