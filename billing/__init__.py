"""Billing: four apps that read the same way. credits (Communications Credits: ledger, lots, funding, payment
methods, auto-recharge), rating (rate decks, routing, minute pools, the call API), invoices and notifications."""
