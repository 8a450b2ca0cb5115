"""Demo data: Contoso's billing notification settings and a few emails in its log, sent through the real service."""
from datetime import date
from decimal import Decimal

from core.plugins import demo_seeder

from .events import Event
from .models import ExtraRecipient, NotificationSettings
from .services import SendOutcome, notification_send, notification_settings_update, recipient_add

# Contoso has about 300 licensed users: PRODUCT.md recommends a $1,000 trigger and $2,000 recharges for 250-500.
LOW_BALANCE_LEVELS = ["2000", "1000"]
EXTRA_RECIPIENT = "accounts.payable@contoso.example"

DEMO_EMAILS = [
    (Event.POOL_80, "demo:pool-us-pr:2026-11",
     {"pool_name": "Domestic Calling Plan (United States and Puerto Rico)", "used": 300000, "total": 375000,
      "month": "November 2026"}),
    (Event.LOW_BALANCE, "demo:low-balance-2000:2026-11", {"balance": Decimal("1960.25"), "level": 2000}),
    (Event.RECHARGE_SUCCEEDED, "demo:recharge-1",
     {"amount": Decimal("2000.00"), "new_balance": Decimal("2985.40"), "invoice_number": "G054820731",
      "payment_method": "Visa ending 4242"}),
    (Event.FUNDS_EXPIRING, "demo:expiring-2026-12",
     {"amount": Decimal("412.60"), "expires_on": date(2026, 12, 14), "balance": Decimal("2985.40")}),
    (Event.TEST, "demo:test", {"sent_by": "MOD Administrator"}),
]


@demo_seeder
def seed(*, tenant, stdout=None):
    """Settings are set once (an admin's later changes are kept); each demo email's period key makes it send once."""
    if not NotificationSettings.objects.filter(tenant=tenant).exists():
        notification_settings_update(tenant=tenant, actor=None, low_balance_levels=LOW_BALANCE_LEVELS,
                                     attach_invoice_pdf=True)
    if not ExtraRecipient.objects.filter(tenant=tenant).exists():
        recipient_add(tenant=tenant, email=EXTRA_RECIPIENT, actor=None)
    sent = 0
    for event, period_key, context in DEMO_EMAILS:
        result = notification_send(tenant=tenant, event=event, context=context, period_key=period_key)  # type: ignore[arg-type]
        sent += len(result) if result.outcome == SendOutcome.QUEUED else 0
    if stdout:
        stdout.write(f"  billing notifications: {sent} demo emails queued for {tenant.name}")
    return tenant
