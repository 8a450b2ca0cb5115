"""Demo Communications Credits for Contoso: a card on file, a first purchase 14 months ago, auto-recharge on at the
recommended amounts, and the MCOPSTNC license for every user whose Calling Plan or Audio Conferencing allows it.
The rating demo then charges a year of calls, recharging (`demo_recharge_if_due`) and expiring lots
(`demo_expire_lots`) as it goes, so the balance, the recharges and the expiries follow from the calls.

Deterministic and idempotent: purchases carry fixed idempotency keys (a second run replays them), the card
and the settings are only created when missing, and lots expire once. Runs after licensing's demo, so the
users already hold their calling licenses. Not wrapped in one transaction: each service owns its own.
"""
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from accounts.models import User
from core.plugins import demo_seeder
from licensing.models import AssignedPlan, LicenseAssignment, Product
from licensing.selectors import COMMUNICATIONS_CREDITS, entitlement_for, licensed_user_count
from licensing.services import licenses_change

from .models import LedgerEntry, Lot, PaymentMethod, RechargeAttempt
from .selectors import auto_recharge_settings, credits_balance, recommended_funding
from .services import auto_recharge_update, credits_add_funds, credits_expire_lots, payment_method_add_card

DEMO_CARD: dict[str, Any] = {"number": "4242 4242 4242 4242", "exp_month": 9, "holder_name": "Bianca Billing", "cvc": "123"}
# Contoso's first purchase, 14 months ago: less than the recommended one-time funding. The calls after it (the
# rating demo imports a year of them, then places the last month live) spend it; each time the balance falls below
# the trigger the rating demo recharges through `demo_recharge`, and the unspent rest expires after 12 months.
FIRST_PURCHASE = ("demo-credits-01", 425, Decimal("2000"))


def _card(tenant, admin):
    card = PaymentMethod.objects.filter(tenant=tenant, kind=PaymentMethod.Kind.CARD).order_by("created_at").first()
    if card is None:
        card = payment_method_add_card(tenant=tenant, exp_year=timezone.localdate().year + 3, actor=admin, **DEMO_CARD)
    return card


def _first_purchase(tenant, card, admin):
    key, days_ago, amount = FIRST_PURCHASE
    at = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    credits_add_funds(tenant=tenant, amount=amount, payment_method=card, idempotency_key=key, at=at,
                      kind=LedgerEntry.Kind.PURCHASE, actor=admin)


def demo_expire_lots(*, tenant, until):
    """Expires every lot due by `until`, each at its own expiry moment, oldest first (the ledger's order and its
    dates agree). Returns the moment of the last expiry, or None."""
    last = None
    for due in Lot.objects.filter(account__tenant=tenant, funded=True, expires_at__lte=until).order_by("expires_at"):
        credits_expire_lots(tenant=tenant, now=due.expires_at)
        last = due.expires_at
    return last


def demo_recharge_due(*, tenant):
    """For history seeded after the fact: the available balance when auto-recharge is on and it is below the
    trigger, else None. As it was at the caller's moment: the caller has expired the lots due by then
    (`credits_balance().available` would also leave out the lots due by today)."""
    settings = auto_recharge_settings(tenant=tenant)
    state = credits_balance(tenant=tenant)
    available = state.balance - state.reserved
    # cast: enabled settings always have a trigger (the settings form and service require one).
    return available if settings.enabled and available < cast(Decimal, settings.trigger_amount) else None


def demo_recharge(*, tenant, at, available):
    """What the auto-recharge engine would have done at `at` with `available` left (demo_recharge_due): one recharge
    dated `at`, invoiced and in the Auto-recharge history. Returns the Purchase. Idempotent by its date."""
    settings = auto_recharge_settings(tenant=tenant)
    key = f"demo-recharge-{at:%Y%m%d%H%M}"
    funding = credits_add_funds(tenant=tenant, amount=settings.recharge_amount, payment_method=settings.payment_method,
                                idempotency_key=key, at=at, kind=LedgerEntry.Kind.RECHARGE, actor=None)
    purchase, invoice = funding.purchase, funding.invoice
    RechargeAttempt.objects.get_or_create(
        tenant=tenant, idempotency_key=f"auto-{key}",
        defaults={"status": RechargeAttempt.Status.SUCCEEDED, "amount": purchase.amount,
                  "trigger_amount": cast(Decimal, settings.trigger_amount), "available_at_start": available,
                  "payment_method": purchase.payment_method, "payment_method_label": purchase.payment_method_label,
                  "claims": 1, "charge_requested_at": at, "purchase": purchase, "invoice": invoice,
                  "created_at": at, "finished_at": at})
    return purchase


def _assign_credits_licenses(tenant):
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


@demo_seeder
def seed(*, tenant, stdout=None):
    admin = User.objects.get(upn="billing@contoso.example")
    card = _card(tenant, admin)
    _first_purchase(tenant, card, admin)
    if auto_recharge_settings(tenant=tenant).pk is None:
        advice = recommended_funding(licensed_users=licensed_user_count(tenant=tenant))
        assert advice is not None, "the recommendation table covers every number of users"
        auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=advice.trigger_amount,
                             recharge_amount=advice.recharge_amount, payment_method=card, actor=admin)
    assigned = _assign_credits_licenses(tenant)
    if stdout:
        balance = credits_balance(tenant=tenant).balance
        stdout.write(f"  credits: balance ${balance:,.2f} from a first purchase 14 months ago, auto-recharge on, "
                     f"{assigned} users given the Communications Credits license now")
    return tenant
