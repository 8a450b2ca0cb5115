"""Demo Communications Credits for Contoso: a card on file, a year of invoiced purchases (the oldest expired), auto-recharge
on at the recommended amounts, and the MCOPSTNC licence for every user whose Calling Plan or Audio Conferencing
allows it.

Deterministic and idempotent: purchases carry fixed idempotency keys (a second run replays them), the card
and the settings are only created when missing, and lots expire once. Runs after licensing's demo, so the
users already hold their calling licences. Not wrapped in one transaction: each service owns its own.
"""
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from licensing.models import AssignedPlan, LicenseAssignment, Product
from licensing.selectors import COMMUNICATIONS_CREDITS, entitlement_for, licensed_user_count
from licensing.services import licenses_change

from .models import LedgerEntry, Lot, PaymentMethod, Purchase, RechargeAttempt
from .selectors import auto_recharge_settings, credits_balance, recommended_funding
from .services import auto_recharge_update, credits_add_funds, credits_expire_lots, payment_method_add_card
from .services.funding import purchase_invoice_issue

DEMO_TRIGGER = Decimal("1000.00")  # the recommended trigger for Contoso's few hundred licensed users, when its recharges ran
DEMO_CARD = {"number": "4242 4242 4242 4242", "exp_month": 9, "holder_name": "Bianca Billing", "cvc": "123"}
# (idempotency key, days ago, kind, amount): a first purchase, then recharges and one top-up over 14 months.
# The two lots that expire do so more than 30 days ago, before the month of demo calls (charged on their dates),
# so the ledger's order and its dates agree.
HISTORY = [
    ("demo-credits-01", 425, LedgerEntry.Kind.PURCHASE, 5000),
    ("demo-credits-02", 400, LedgerEntry.Kind.RECHARGE, 2000),
    ("demo-credits-03", 300, LedgerEntry.Kind.RECHARGE, 2000),
    ("demo-credits-04", 210, LedgerEntry.Kind.RECHARGE, 2000),
    ("demo-credits-05", 120, LedgerEntry.Kind.PURCHASE, 1000),
    ("demo-credits-06", 32, LedgerEntry.Kind.RECHARGE, 2000),
]


def _card(tenant, admin):
    card = PaymentMethod.objects.filter(tenant=tenant, kind=PaymentMethod.Kind.CARD).order_by("created_at").first()
    if card is None:
        card = payment_method_add_card(tenant=tenant, exp_year=timezone.localdate().year + 3, actor=admin, **DEMO_CARD)
    return card


def _history(tenant, card, admin):
    """Purchases and expiries in date order, so the ledger's order and its dates agree."""
    today = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    for key, days_ago, kind, amount in HISTORY:
        at = today - timedelta(days=days_ago)
        for due in Lot.objects.filter(account__tenant=tenant, remaining__gt=0, expires_at__lte=at).order_by("expires_at"):
            credits_expire_lots(tenant=tenant, now=due.expires_at)
        credits_add_funds(tenant=tenant, amount=amount, payment_method=card, idempotency_key=key, at=at,
                          kind=kind, actor=admin if kind == LedgerEntry.Kind.PURCHASE else None)
    for due in Lot.objects.filter(account__tenant=tenant, remaining__gt=0, expires_at__lte=timezone.now()):
        credits_expire_lots(tenant=tenant, now=due.expires_at)
    _recharge_history(tenant)


def _recharge_history(tenant):
    """Each demo recharge also as the engine records one (succeeded, with its purchase and invoice), so the
    page's Auto-recharge history starts filled. A database seeded before purchases were invoiced gets their
    invoices here (issuing is idempotent by the purchase's reference)."""
    for purchase in Purchase.objects.filter(tenant=tenant, idempotency_key__in=[key for key, *_ in HISTORY]):
        with transaction.atomic():
            invoice = purchase_invoice_issue(purchase=purchase, actor=None)
            if purchase.kind == LedgerEntry.Kind.RECHARGE and not RechargeAttempt.objects.filter(purchase=purchase).exists():
                RechargeAttempt.objects.create(
                    tenant=tenant, status=RechargeAttempt.Status.SUCCEEDED, amount=purchase.amount,
                    trigger_amount=DEMO_TRIGGER, available_at_start=DEMO_TRIGGER - 1, payment_method=purchase.payment_method,
                    payment_method_label=purchase.payment_method_label, idempotency_key=f"auto-{purchase.idempotency_key}",
                    claims=1, charge_requested_at=purchase.created_at, purchase=purchase, invoice=invoice,
                    created_at=purchase.created_at, finished_at=purchase.created_at)


def _assign_credits_licences(tenant):
    """MCOPSTNC for the users whose plans allow it (PRODUCT.md: Calling Plan or Audio Conferencing)."""
    product = Product.objects.get(sku_part_number=COMMUNICATIONS_CREDITS)
    allowing = entitlement_for(COMMUNICATIONS_CREDITS).requires_any_of
    holders = AssignedPlan.objects.filter(tenant=tenant, enabled=True, service_plan__name__in=allowing).values("user")
    already = LicenseAssignment.objects.filter(tenant=tenant, product=product).values("user")
    users = list(User.objects.filter(tenant=tenant, pk__in=holders).exclude(pk__in=already).exclude(usage_location="")
                 .order_by("upn"))
    if users:
        licenses_change(tenant=tenant, actor=None, users=users, add=[product])
    return len(users)


def seed(*, tenant, stdout=None):
    admin = User.objects.get(upn="billing@contoso.example")
    card = _card(tenant, admin)
    _history(tenant, card, admin)
    if auto_recharge_settings(tenant=tenant).pk is None:
        advice = recommended_funding(licensed_users=licensed_user_count(tenant=tenant))
        auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=advice.trigger_amount,
                             recharge_amount=advice.recharge_amount, payment_method=card, actor=admin)
    assigned = _assign_credits_licences(tenant)
    if stdout:
        balance = credits_balance(tenant=tenant).balance
        stdout.write(f"  credits: balance ${balance:,.2f}, {len(HISTORY)} purchases, auto-recharge on, "
                     f"{assigned} users given the Communications Credits licence now")
    return tenant
