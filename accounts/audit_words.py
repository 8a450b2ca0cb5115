"""The audit log in words: what each action means, and each change as "before → after" in the admin centre's words.

The rows keep what the services stored (action codes, JSON before/after); this module only reads them for people.
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.dates import date_text, datetime_text
from core.money import money_text

from .roles import Role

ACTIVITIES = {  # the filter's choices: a prefix of the action codes, in words
    "user.": "Users",
    "subscription.": "Subscriptions and licenses",
    "credits.": "Communications Credits",
    "payment_method.": "Payment methods",
    "invoice.": "Invoices",
    "notifications.": "Billing notifications",
    "rates.": "Rates",
    "rating.": "Call records",
    "phone_number.": "Phone numbers",
    "api_token.": "API tokens",
    "reports.": "Reports",
    "tenant.": "Organization",
}

ACTIONS = {
    "tenant.create": "Created the organization",
    "user.create": "Added a user",
    "user.update": "Edited a user's details",
    "user.licenses": "Changed a user's licenses",
    "user.roles": "Changed a user's admin roles",
    "user.block_sign_in": "Blocked a user's sign-in",
    "user.unblock_sign_in": "Allowed a user's sign-in",
    "user.reset_password": "Reset a user's password",
    "user.delete": "Deleted a user",
    "user.restore": "Restored a deleted user",
    "user.purge": "A deleted user was deleted for good",
    "subscription.create": "Added a subscription",
    "subscription.activate": "Activated a subscription",
    "subscription.buy": "Bought licenses",
    "subscription.remove": "Removed licenses",
    "credits.purchase": "Added funds to Communications Credits",
    "credits.recharge": "Auto-recharged Communications Credits",
    "credits.adjustment": "Adjusted Communications Credits",
    "credits.refund": "Refunded Communications Credits",
    "credits.expiry": "Communications Credits expired",
    "credits.auto_recharge": "Changed auto-recharge settings",
    "credits.auto_recharge_capped": "Auto-recharge reached its monthly limit",
    "credits.auto_recharge_failed": "Auto-recharge failed",
    "credits.recharge_canceled": "Canceled an auto-recharge",
    "payment_method.add": "Added a payment method",
    "payment_method.replace": "Replaced a payment method",
    "payment_method.delete": "Removed a payment method",
    "invoice.issue_purchase": "Issued an invoice",
    "invoice.issue_statement": "Issued a monthly statement",
    "invoice.issue_credit_note": "Issued a credit note",
    "invoice.record_payment": "Recorded an invoice payment",
    "notifications.settings": "Changed billing notification settings",
    "notifications.recipient_add": "Added a notification recipient",
    "notifications.recipient_remove": "Removed a notification recipient",
    "rates.import": "Uploaded rates",
    "rating.call_records_import": "Imported call records",
    "phone_number.add": "Added a phone number",
    "phone_number.release": "Released a phone number",
    "api_token.create": "Created an API token",
    "api_token.revoke": "Revoked an API token",
    "reports.export": "Exported a report",
}

FIELDS = {
    "sign_in_allowed": "Sign-in", "upn": "Username", "display_name": "Display name", "usage_location": "Usage location",
    "phone_number": "Phone number", "dateRange": "Date range", "effective_from": "Effective from", "paid_at": "Paid on",
    "payment_status": "Payment", "pool_minutes": "Pool minutes", "consecutive_failures": "Failures in a row",
    "monthly_cap": "Monthly limit", "spent_this_month": "Spent this month", "trigger_amount": "When balance is below",
    "recharge_amount": "Add this amount", "target_balance": "Top up to", "licenses": "Licenses", "delta": "Change",
    "po_number": "PO number", "exp_month": "Expiration month", "exp_year": "Expiration year",
}
MONEY = {"amount", "total", "balance", "charged", "forfeited", "monthly_cap", "spent_this_month", "trigger_amount",
         "recharge_amount", "target_balance", "threshold", "low_balance_threshold"}
ROLE_NAMES = {role.value: role.label for role in Role}
WORDS = {True: "Yes", False: "No", "paid": "Paid", "due": "Due", "active": "Active"}


def action_text(action: str) -> str:
    return ACTIONS.get(action) or action.replace("_", " ").replace(".", ": ").capitalize()


def field_text(key: str) -> str:
    return FIELDS.get(key) or key.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field is new
    after: str | None  # None: the field was removed


def _value_text(key, value, product_names):
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return ("Allowed" if value else "Blocked") if key == "sign_in_allowed" else WORDS[value]
    if key in MONEY:
        try:
            return money_text(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if isinstance(value, list):
        return ", ".join(_value_text(key, item, product_names) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_text(k)}: {_value_text(k, v, product_names)}" for k, v in value.items())
    if isinstance(value, str):
        if key in ("paid_at", "effective_from", "created_at", "expires_at") or key.endswith("_at"):
            return datetime_text(value) if "T" in value else date_text(value)
        if key == "roles" or value in ROLE_NAMES:
            return ROLE_NAMES.get(value, value)
        if key in ("product", "sku") or value in product_names:
            return product_names.get(value, value)
        return WORDS.get(value, value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _licenses_text(state, product_names):
    """A user's licenses as stored by licenses_change ({part number: [plans turned off]}), in products' names."""
    if not state:
        return "none"
    parts = []
    for part, disabled in state.items():
        name = product_names.get(part, part)
        parts.append(f"{name} (off: {', '.join(disabled)})" if disabled else name)
    return ", ".join(parts)


def changes_of(entry, product_names) -> list[Change]:
    """The entry's change, field by field, in words; only what differs when both sides are there."""
    before, after = entry.before, entry.after
    if entry.action == "user.licenses":
        return [Change("Licenses", _licenses_text(before, product_names) if before is not None else None,
                       _licenses_text(after, product_names) if after is not None else None)]
    if isinstance(before, list) or isinstance(after, list):
        key = "roles" if entry.action == "user.roles" else "items"
        return [Change(field_text(key), _value_text(key, before, product_names) if before is not None else None,
                       _value_text(key, after, product_names) if after is not None else None)]
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    changes = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key, Ellipsis), after.get(key, Ellipsis)
        if old == new:
            continue
        changes.append(Change(field_text(key),
                              None if old is Ellipsis else _value_text(key, old, product_names),
                              None if new is Ellipsis else _value_text(key, new, product_names)))
    return changes


def product_names_for(entries) -> dict[str, str]:
    """Part number → product name for the products the entries mention (one query)."""
    from licensing.models import Product

    parts: set[str] = set()
    for entry in entries:
        for side in (entry.before, entry.after):
            if entry.action == "user.licenses" and isinstance(side, dict):
                parts.update(side)
            elif isinstance(side, dict) and isinstance(side.get("product"), str):
                parts.add(side["product"])
            if isinstance(side, dict) and isinstance(side.get("licenses"), list):  # Delete user and Restore
                parts.update(part for part in side["licenses"] if isinstance(part, str))
    if not parts:
        return {}
    return dict(Product.objects.filter(sku_part_number__in=parts).values_list("sku_part_number", "name"))
