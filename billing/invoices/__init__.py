"""Invoices, monthly statements, their PDFs and the Bills & payments pages."""
