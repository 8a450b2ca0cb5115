"""Communications Credits: the ledger, lots, funding, payment methods and auto-recharge settings."""
