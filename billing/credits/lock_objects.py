"""Every row lock of Communications Credits, in one place. Lock order: credit account, reservations, lots,
recharge attempt, auto-recharge settings.

Each service that changes money takes the tenant's credit account row first; holding it serialises all
money movement of that tenant, so the later locks never wait on each other in another order. The
auto-recharge settings row is locked on its own by the services that change settings (they move no money);
the recharge engine takes an attempt before the settings, and the account before both when it credits.
"""
from typing import cast

from accounts.models import Tenant
from core.sql import Statement, column, db_value, table

from .models import AutoRechargeSettings, CreditAccount, Lot, RechargeAttempt, Reservation


def _lock_account_sql() -> str:
    version = column(CreditAccount, "lock_version")
    return (f"UPDATE {table(CreditAccount)} SET {version} = {version} + 1 "  # noqa: S608 (the model's own names)
            f"WHERE {column(CreditAccount, 'tenant')} = %s RETURNING {column(CreditAccount, 'id')}, {version}")


# The account lock: an UPDATE, so that every holder leaves a new lock_version behind, whether or not it then
# changes money. (An UPDATE of a column no key uses takes the same row lock as SELECT ... FOR NO KEY UPDATE.)
# billing/credits/services/ledger_hot.py takes it inside its state read and relies on that.
LOCK_ACCOUNT = Statement(_lock_account_sql)


def credit_account_for_update(*, tenant: Tenant) -> CreditAccount:
    """The tenant's credit account, created on first use, locked until the transaction ends."""
    return CreditAccount.objects.get(pk=lock_credit_account(tenant=tenant))


def lock_credit_account(*, tenant: Tenant) -> int:
    """Takes the tenant's credit account lock (creating the account on first use); returns the account's id."""
    tenant_id = db_value(CreditAccount, "tenant", tenant.pk)
    found = LOCK_ACCOUNT.rows([tenant_id])
    if not found:
        CreditAccount.objects.get_or_create(tenant_id=tenant.pk, defaults={"currency": tenant.currency})
        found = LOCK_ACCOUNT.rows([tenant_id])
    return cast(int, found[0][0])  # the id column


def reservation_for_update(*, account: CreditAccount, call_id: str) -> Reservation | None:
    return Reservation.objects.select_for_update().filter(account=account, call_id=call_id).first()


def funded_lots_for_update(*, account: CreditAccount) -> list[Lot]:
    """Lots that still hold money, oldest purchase first: the order credits are spent in."""
    return list(Lot.objects.select_for_update().filter(account=account, funded=True).order_by("purchased_at", "id"))


def lot_for_update(*, lot_id: int) -> Lot:
    return Lot.objects.select_for_update().get(pk=lot_id)


def auto_recharge_settings_for_update(*, tenant: Tenant) -> AutoRechargeSettings | None:
    """The tenant's auto-recharge settings row, locked, or None when it never saved any."""
    return AutoRechargeSettings.objects.select_for_update().filter(tenant=tenant).first()


def recharge_attempt_for_update(*, attempt_id: int | str) -> RechargeAttempt:
    """A recharge attempt (with its tenant and payment method), locked; DoesNotExist for an unknown id."""
    return RechargeAttempt.objects.select_for_update(of=("self",)).select_related("tenant", "payment_method").get(
        pk=attempt_id)
