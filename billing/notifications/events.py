"""The billing events that send email, and what each one's templates need (context keys, link, button)."""
from dataclasses import dataclass, replace

from django.db import models


class Event(models.TextChoices):
    PURCHASE_SUCCEEDED = "purchase_succeeded", "Purchase confirmation"
    RECHARGE_SUCCEEDED = "recharge_succeeded", "Auto-recharge succeeded"
    RECHARGE_FAILED = "recharge_failed", "Auto-recharge failed"
    AUTO_RECHARGE_PAUSED = "auto_recharge_paused", "Auto-recharge paused"
    AUTO_RECHARGE_CAPPED = "auto_recharge_capped", "Auto-recharge monthly limit reached"
    BALANCE_ZERO = "balance_zero", "Balance reached zero"
    LOW_BALANCE = "low_balance", "Low balance"
    POOL_80 = "pool_80", "Minute pool 80% used"
    POOL_100 = "pool_100", "Minute pool 100% used"
    FUNDS_EXPIRING = "funds_expiring", "Funds expiring"
    SPEND_LIMIT_80 = "spend_limit_80", "User at 80% of spend limit"
    SPEND_LIMIT_100 = "spend_limit_100", "User reached spend limit"
    SPEND_ANOMALY = "spend_anomaly", "Unusual spend to a country"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint disabled"
    TEST = "test", "Test email"


@dataclass(frozen=True)
class EventSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    default_url_name: str
    button: str
    description: str
    can_disable: bool = True
    invoice_email: bool = False  # carries an invoice: its PDF is attached when "Attach a PDF" is on (context invoice_id)


# The families of near-identical events: each member changes what differs (dataclasses.replace).
_FUNDS_ADDED = EventSpec(  # money was added and invoiced: the invoice is the button and the attachment
    required=("amount", "new_balance", "invoice_number"), optional=("payment_method", "invoice_id"),
    default_url_name="invoices:bills", button="View invoice", description="", invoice_email=True)
_RECHARGE_PROBLEM = EventSpec(  # auto-recharge couldn't charge: the payment method needs attention
    required=("reason",), optional=("payment_method", "balance"), default_url_name="billing:payment_methods",
    button="Update payment method", description="")
_POOL_USED = EventSpec(
    required=("pool_name", "used", "total"), optional=("month",), default_url_name="reporting:pstn_usage",
    button="View minute pools", description="")
_SPEND_LIMIT = EventSpec(
    required=("user_display_name", "user_principal_name", "spent", "limit", "month"), optional=(),
    default_url_name="licensing:active_users", button="Review calling policies", description="")

# Every event also accepts `url_name` (+ `url_kwargs`) to point its button at another page.
SPECS = {
    Event.PURCHASE_SUCCEEDED: replace(
        _FUNDS_ADDED,
        required=("amount", "total", "new_balance", "invoice_number", "expires_on"),
        optional=("payment_method", "tax", "tax_label", "invoice_id"),
        description="Someone in your organization bought Communications Credits with Add funds: the receipt and invoice.",
    ),
    Event.RECHARGE_SUCCEEDED: replace(
        _FUNDS_ADDED,
        description="An auto-recharge charged your payment method and added funds to Communications Credits.",
    ),
    Event.RECHARGE_FAILED: replace(
        _RECHARGE_PROBLEM,
        required=("amount", "reason"),
        description="An auto-recharge couldn't charge your payment method, for example an expired credit card.",
    ),
    Event.AUTO_RECHARGE_PAUSED: replace(
        _RECHARGE_PROBLEM,
        required=("failed_attempts", "reason"),
        button="Fix payment method",
        description="Auto-recharge stopped trying after repeated failures and needs a working payment method.",
    ),
    Event.AUTO_RECHARGE_CAPPED: EventSpec(
        required=("cap", "spent", "amount", "resumes_on"),
        optional=("balance",),
        default_url_name="billing:credits_auto_recharge",
        button="Review auto-recharge settings",
        description="Auto-recharge reached the monthly limit you set and pauses until the next month.",
    ),
    Event.BALANCE_ZERO: EventSpec(
        required=(),
        optional=("auto_recharge_on",),
        default_url_name="billing:credits",
        button="Add funds",
        description="Your Communications Credits balance reached $0.00 and paid calling stopped.",
    ),
    Event.LOW_BALANCE: EventSpec(
        required=("balance", "level"),
        optional=(),
        default_url_name="billing:credits",
        button="Add funds",
        description="Your balance fell below one of the low-balance levels you set below.",
    ),
    Event.POOL_80: replace(
        _POOL_USED,
        description="A Calling Plan or Audio Conferencing minute pool has used 80% of this month's minutes.",
    ),
    Event.POOL_100: replace(
        _POOL_USED,
        description="A minute pool has used all of this month's minutes; further calls are paid from credits.",
    ),
    Event.FUNDS_EXPIRING: EventSpec(
        required=("amount", "expires_on"),
        optional=("balance",),
        default_url_name="billing:credits",
        button="View Communications Credits",
        description="Funds you bought almost 12 months ago expire within 30 days if they aren't used.",
    ),
    Event.SPEND_LIMIT_80: replace(
        _SPEND_LIMIT,
        description="A user's calls this month cost 80% of their monthly calling spend limit.",
    ),
    Event.SPEND_LIMIT_100: replace(
        _SPEND_LIMIT,
        description="A user reached their monthly calling spend limit; their paid calls are blocked until next month.",
    ),
    Event.SPEND_ANOMALY: EventSpec(
        required=("country", "country_name", "date", "spent_today", "daily_average", "multiple"),
        optional=(),
        default_url_name="reporting:pstn_usage",
        button="Review PSTN usage",
        description="A day's calls to one country cost more than the set multiple of that country's 28-day daily average.",
    ),
    Event.WEBHOOK_DISABLED: EventSpec(
        required=("url", "hours"),
        optional=("failing_since",),
        default_url_name="webhooks:endpoints",
        button="Review webhooks",
        description="A webhook endpoint failed every delivery for a day and was disabled.",
    ),
    Event.TEST: EventSpec(
        required=(),
        optional=("sent_by",),
        default_url_name="notifications:settings",
        button="Open Billing notifications",
        description="Checks that billing notification emails reach your recipients.",
        can_disable=False,
    ),
}

TOGGLEABLE_EVENTS = tuple(event for event in Event if SPECS[event].can_disable)
