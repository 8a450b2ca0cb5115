"""Billing notification settings, email templates, the email log and delivery tasks."""
