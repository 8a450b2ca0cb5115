"""Reads shared by the notification pages, the sending service and the engines that raise events."""
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import Tenant, User, UserRole
from accounts.roles import Role

from .events import Event
from .models import EmailLog, ExtraRecipient, NotificationSettings
from .rendering import Recipient

# The roles whose holders receive billing notifications (PRODUCT.md: "Billing and Global admins").
RECEIVING_ROLES = (Role.GLOBAL_ADMIN, Role.BILLING_ADMIN)


def notification_settings_for(*, tenant: Tenant) -> NotificationSettings:
    """The tenant's settings, or the defaults (unsaved) when it never changed them."""
    found = NotificationSettings.objects.filter(tenant=tenant).first()
    return found or NotificationSettings(tenant=tenant)


@dataclass(frozen=True)
class BillingAdmin:
    user: User
    roles: tuple[Role, ...]

    @property
    def receives(self) -> bool:
        return self.user.sign_in_allowed

    @property
    def role_labels(self) -> str:
        return ", ".join(role.label for role in self.roles)


def billing_admins(*, tenant: Tenant) -> list[BillingAdmin]:
    """The tenant's Global and Billing admins (blocked ones too, so the page can say why they get nothing)."""
    rows = (UserRole.objects.filter(user__tenant=tenant, role__in=RECEIVING_ROLES)
            .select_related("user").order_by("user__display_name", "user__upn", "role"))
    found: dict[Any, tuple[User, list[Role]]] = {}
    for row in rows:
        found.setdefault(row.user_id, (row.user, []))[1].append(Role(row.role))
    return [BillingAdmin(user=user, roles=tuple(sorted(roles, key=RECEIVING_ROLES.index)))
            for user, roles in found.values()]


def recipients_for(*, tenant: Tenant) -> list[Recipient]:
    """Who gets the tenant's billing emails: admins who can sign in, then the extra addresses, each once."""
    recipients: list[Recipient] = []
    seen: set[str] = set()
    for admin in billing_admins(tenant=tenant):
        if not admin.receives or admin.user.email.lower() in seen:
            continue
        seen.add(admin.user.email.lower())
        role = admin.roles[0].label
        recipients.append(Recipient(email=admin.user.email, name=admin.user.display_name,
                                    reason=f"you're a {role} of {tenant.name}"))
    for extra in ExtraRecipient.objects.filter(tenant=tenant).order_by("email"):
        if extra.email.lower() in seen:
            continue
        seen.add(extra.email.lower())
        recipients.append(Recipient(email=extra.email, name="",
                                    reason=f"your address was added to the billing notifications of {tenant.name}"))
    return recipients


def extra_recipients(*, tenant: Tenant) -> QuerySet[ExtraRecipient]:
    return ExtraRecipient.objects.filter(tenant=tenant).order_by("email")


def event_enabled(*, tenant: Tenant, event: str) -> bool:
    return notification_settings_for(tenant=tenant).is_enabled(Event(event))


def low_balance_levels_crossed(*, tenant: Tenant, before: Decimal | int | str, after: Decimal | int | str) -> list[int]:
    """The admin's low-balance levels a balance change from `before` to `after` went below (highest first).

    A level is crossed when the balance was at or above it and is now under it; the caller sends one
    LOW_BALANCE notification per level it returns.
    """
    before, after = Decimal(before), Decimal(after)
    levels = notification_settings_for(tenant=tenant).low_balance_levels
    return [level for level in levels if after < level <= before]


def email_log_for(*, tenant: Tenant, event: str = "", status: str = "") -> QuerySet[EmailLog]:
    """The tenant's email log, newest first, without the bodies (list pages never show them)."""
    emails = EmailLog.objects.filter(tenant=tenant).defer("html_body", "text_body")
    if event:
        emails = emails.filter(event=event)
    if status:
        emails = emails.filter(status=status)
    return emails


def stale_email_ids(*, now: datetime.datetime, queued_for: datetime.timedelta, lease: datetime.timedelta,
                    limit: int = 500) -> list[int]:
    """Emails whose delivery task was lost: queued too long (broker down at commit) or a sending lease expired."""
    last_touch = Coalesce("last_attempt_at", "created_at")
    return list(
        EmailLog.objects.alias(last_touch=last_touch)
        .filter(Q(status=EmailLog.Status.QUEUED, last_touch__lt=now - queued_for)
                | Q(status=EmailLog.Status.SENDING, last_attempt_at__lt=now - lease))
        .order_by("id").values_list("id", flat=True)[:limit]
    )
