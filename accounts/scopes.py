"""What an API token may do: the scopes chosen when it is created (Org settings, `create_api_token --scope`).

A token acts for its tenant only within its scopes; every API endpoint declares, per HTTP method, the scope it needs
(`token_scopes` on the view, checked by accounts.permissions.HasCapability). A person signed in to the admin centre
is judged by their roles alone.
"""
from typing import Any

from django.db import models


class Scope(models.TextChoices):
    CALLS = "calls", "Calls: the telephony platform's authorize, complete and import"
    GRAPH_READ = "graph.read", "Graph read: users, subscribed SKUs, PSTN call records"
    GRAPH_WRITE = "graph.write", "Graph write: create and edit users, assign licenses"
    BILLING_READ = "billing.read", "Billing read: credits, transactions, rates, invoices, reports"
    BILLING_WRITE = "billing.write", "Billing write: buy credits, auto-recharge, payment methods, subscriptions"


ALL_SCOPES = tuple(Scope.values)
_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def reads_and_writes(read, write):
    """token_scopes for a view whose reads need `read` and whose writes need `write`."""
    return {"GET": read, "HEAD": read, "OPTIONS": read, "POST": write, "PUT": write, "PATCH": write, "DELETE": write}


def only(scope):
    """token_scopes for a view every method of which needs `scope`."""
    return reads_and_writes(scope, scope)


def required_scope(view, method):
    """The scope `view` declares for `method`, or None when it declares none (a token is then refused)."""
    declared = getattr(view, "token_scopes", None) or {}
    return declared.get(method.upper())


def clean_scopes(values: Any, *, field: str = "scopes") -> list[str]:
    """A sorted list of known scopes, at least one; ValidationError naming the unknown one."""
    from django.core.exceptions import ValidationError

    if isinstance(values, str):
        values = [values]
    chosen = []
    for value in values or ():
        if not isinstance(value, str) or value not in ALL_SCOPES:
            raise ValidationError({field: f"'{value}' is not a scope; use {', '.join(ALL_SCOPES)}."})
        chosen.append(value)
    if not chosen:
        raise ValidationError({field: "Choose at least one scope: a token may do only what its scopes allow."})
    return sorted(set(chosen), key=ALL_SCOPES.index)
