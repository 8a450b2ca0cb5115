"""Models of Invoices."""
