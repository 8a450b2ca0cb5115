"""Tenants, admin users and roles, the audit log, API tokens and the admin-centre shell."""
