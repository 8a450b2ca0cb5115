"""Models of Rating and charging: rate decks, tenant phone numbers, minute pools and calls."""
from .calls import (
    BlockAction,
    BlockedCall,
    BlockReason,
    CallAuthorization,
    CallRecord,
    CallSource,
    CallType,
    CallUsageChange,
    CallUsageDay,
    Capability,
    DestinationContext,
    DurationSource,
    NumberInventoryType,
)
from .decks import CURRENCY_CHOICES, Rate, RateDeckGeneration, RateDeckVersion
from .phone_numbers import TenantPhoneNumber
from .pools import MinutePool, MinutePoolUsage

__all__ = [
    "CURRENCY_CHOICES", "BlockAction", "BlockReason", "BlockedCall", "CallAuthorization", "CallRecord", "CallSource",
    "CallType", "CallUsageChange", "CallUsageDay",
    "Capability", "DestinationContext", "DurationSource", "MinutePool", "MinutePoolUsage",
    "NumberInventoryType", "Rate", "RateDeckGeneration", "RateDeckVersion", "TenantPhoneNumber",
]
