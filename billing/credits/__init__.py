"""Communications Credits: the ledger, lots, holds, funding, payment methods and auto-recharge."""
