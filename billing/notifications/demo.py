"""Demo data: Contoso's billing notification settings and a few emails in its log, sent through the real service."""
from core.plugins import demo_seeder

from .events import Event
from .models import ExtraRecipient, NotificationSettings
from .services import SendOutcome, notification_send, notification_settings_update, recipient_add

# Contoso has about 300 licensed users: PRODUCT.md recommends a $1,000 trigger and $2,000 recharges for 250-500.
LOW_BALANCE_LEVELS = ["2000", "1000"]
EXTRA_RECIPIENT = "accounts.payable@contoso.example"

def demo_emails(tenant):
    """[(event, period key, context)] built from the tenant's own records, so every figure an email cites is on its
    pages too: its latest auto-recharge and that invoice, the last time a call took the balance below the first
    low-balance level, the purchase that expires next, and a test email. Pool emails need no demo: the rating demo's
    calls send the real ones when a pool crosses 80% and 100%."""
    from django.db.models import F
    from django.utils import timezone

    from billing.credits.models import LedgerEntry, Purchase
    from billing.credits.recharge.selectors import credits_forecast_for
    from billing.credits.selectors import credits_balance
    from billing.invoices.selectors import invoice_for_purchase

    emails = []
    recharge = Purchase.objects.filter(tenant=tenant, kind=LedgerEntry.Kind.RECHARGE).order_by("-created_at", "-id").first()
    invoice = invoice_for_purchase(tenant=tenant, purchase_id=recharge.pk) if recharge else None
    if recharge is not None and invoice is not None:
        entry = LedgerEntry.objects.filter(purchase=recharge, kind=LedgerEntry.Kind.RECHARGE).first()
        emails.append((Event.RECHARGE_SUCCEEDED, f"demo:recharge:{recharge.pk}", {
            "amount": recharge.amount, "new_balance": entry.balance_after if entry else recharge.amount,
            "invoice_number": invoice.display_number, "payment_method": recharge.payment_method_label,
            "invoice_id": str(invoice.pk), "url_name": "invoices:detail", "url_kwargs": {"invoice_id": str(invoice.pk)}}))
    level = int(LOW_BALANCE_LEVELS[0])
    crossing = (LedgerEntry.objects.filter(account__tenant=tenant, kind__in=LedgerEntry.CHARGE_KINDS, balance_after__lt=level)
                .annotate(before=F("balance_after") - F("amount")).filter(before__gte=level).order_by("-id").first())
    if crossing is not None:
        emails.append((Event.LOW_BALANCE, f"demo:low-balance:{crossing.pk}",
                       {"balance": crossing.balance_after, "level": level}))
    forecast = credits_forecast_for(tenant=tenant, now=timezone.now())
    lot = forecast.next_expiring
    if lot is not None:
        emails.append((Event.FUNDS_EXPIRING, f"demo:expiring:{lot.lot_id}", {
            "amount": lot.remaining, "expires_on": lot.expires_at.date(),
            "balance": credits_balance(tenant=tenant).balance}))
    emails.append((Event.TEST, "demo:test", {"sent_by": "MOD Administrator"}))
    return emails


@demo_seeder
def seed(*, tenant, stdout=None):
    """Settings are set once (an admin's later changes are kept); each demo email's period key makes it send once."""
    if not NotificationSettings.objects.filter(tenant=tenant).exists():
        notification_settings_update(tenant=tenant, actor=None, low_balance_levels=LOW_BALANCE_LEVELS,
                                     attach_invoice_pdf=True)
    if not ExtraRecipient.objects.filter(tenant=tenant).exists():
        recipient_add(tenant=tenant, email=EXTRA_RECIPIENT, actor=None)
    sent = 0
    for event, period_key, context in demo_emails(tenant):
        result = notification_send(tenant=tenant, event=event, context=context, period_key=period_key)
        sent += len(result) if result.outcome == SendOutcome.QUEUED else 0
    if stdout:
        stdout.write(f"  billing notifications: {sent} demo emails queued for {tenant.name}")
    return tenant
