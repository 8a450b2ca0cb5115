"""Every row lock of Communications Credits, in one place. Lock order: credit account, reservations, lots.

Each service that changes money takes the tenant's credit account row first; holding it serialises all
money movement of that tenant, so the later locks never wait on each other in another order. The
auto-recharge settings row is locked on its own by the services that change settings (they move no money).
"""
from .models import AutoRechargeSettings, CreditAccount, Lot, Reservation


def credit_account_for_update(*, tenant):
    """The tenant's credit account, created on first use, locked until the transaction ends."""
    account = CreditAccount.objects.select_for_update().filter(tenant=tenant).first()
    if account is None:
        CreditAccount.objects.get_or_create(tenant_id=tenant.pk, defaults={"currency": tenant.currency})
        account = CreditAccount.objects.select_for_update().get(tenant=tenant)
    return account


def reservation_for_update(*, account, call_id):
    return Reservation.objects.select_for_update().filter(account=account, call_id=call_id).first()


def funded_lots_for_update(*, account):
    """Lots that still hold money, oldest purchase first: the order credits are spent in."""
    return list(Lot.objects.select_for_update().filter(account=account, remaining__gt=0).order_by("purchased_at", "id"))


def lot_for_update(*, lot_id):
    return Lot.objects.select_for_update().get(pk=lot_id)


def auto_recharge_settings_for_update(*, tenant):
    """The tenant's auto-recharge settings row, locked, or None when it never saved any."""
    return AutoRechargeSettings.objects.select_for_update().filter(tenant=tenant).first()
