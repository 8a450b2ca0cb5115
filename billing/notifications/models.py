"""Models of Billing notifications."""
