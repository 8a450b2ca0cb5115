"""Sending billing notifications (at most once per tenant, event and period) and changing who gets them."""
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services import audit_record
from billing.webhooks.services import webhook_emit_for_notification

from .events import SPECS, TOGGLEABLE_EVENTS, Event
from .lock_objects import notification_settings_for_update
from .models import MAX_EXTRA_RECIPIENTS, MAX_LOW_BALANCE_LEVELS, EmailLog, ExtraRecipient, Notification, NotificationSettings
from .rendering import Recipient, render_email
from .selectors import notification_settings_for, recipients_for
from .tasks import deliver_email

logger = logging.getLogger(__name__)

MAX_LOW_BALANCE_LEVEL = 1_000_000


class SendOutcome(StrEnum):
    QUEUED = "queued"                # rows recorded; delivery is enqueued when the caller's transaction commits
    DUPLICATE = "duplicate"          # this event was already sent for this period: the earlier rows, nothing new
    DISABLED = "disabled"            # the tenant switched the event off: nothing recorded, nothing sent
    NO_RECIPIENTS = "no_recipients"  # no admin who can sign in and no extra address: nothing recorded
    RENDER_FAILED = "render_failed"  # rows recorded as failed with the error; nothing sent


class SendResult(list[EmailLog]):
    """The notification's EmailLog rows (a list, one per recipient) and `outcome`, what this call did."""

    def __init__(self, emails: Iterable[EmailLog] = (), *, outcome: SendOutcome) -> None:
        super().__init__(emails)
        self.outcome = outcome

    def __repr__(self) -> str:
        return f"SendResult({self.outcome}, {list.__repr__(self)})"


def notification_send(*, tenant: Tenant, event: str, context: dict[str, Any], period_key: str) -> SendResult:
    """Emails `event` to the tenant's billing recipients, once per (tenant, event, period_key).

    Safe inside the caller's transaction: rows are written in a savepoint and delivery is enqueued only
    when the outermost transaction commits; a rendering error records failed rows and never raises.
    """
    event = Event(event)
    period_key = str(period_key).strip()
    if not period_key or len(period_key) > 100:
        raise ValueError("period_key must be 1 to 100 characters, e.g. a recharge id or '2026-11'.")
    earlier = _earlier_send(tenant, event, period_key)
    if earlier is not None:
        return earlier
    webhook_emit_for_notification(tenant=tenant, event=event, context=context, period_key=period_key)
    preferences = notification_settings_for(tenant=tenant)
    if not preferences.is_enabled(event):
        return SendResult(outcome=SendOutcome.DISABLED)
    recipients = recipients_for(tenant=tenant)
    if not recipients:
        logger.warning("No recipients for %s of tenant %s (%s)", event, tenant.pk, period_key)
        return SendResult(outcome=SendOutcome.NO_RECIPIENTS)

    # "Attach a PDF to your invoice emails": delivery attaches the invoice's PDF (rendered then if need be).
    attach = None
    if SPECS[event].invoice_email and preferences.attach_invoice_pdf and context.get("invoice_id"):
        attach = _tenant_invoice_id(tenant, context["invoice_id"])
    context = {**context, "attach_pdf": attach is not None}
    rows, error = _render_rows(tenant, event, context, recipients, preferences.preferred_language)
    for row in rows:
        row.attach_invoice_id = attach
    try:
        with transaction.atomic():
            notification = Notification.objects.create(tenant=tenant, event=event, period_key=period_key)
            for row in rows:
                row.notification = notification
            rows = EmailLog.objects.bulk_create(rows)
            if not error:
                for row in rows:
                    # robust: a broker outage after commit must not raise in the caller; the sweep resends.
                    transaction.on_commit(lambda pk=row.pk: deliver_email.delay(pk), robust=True)  # type: ignore[misc]
    except IntegrityError:
        earlier = _earlier_send(tenant, event, period_key)  # a concurrent call recorded it first
        if earlier is None:
            raise
        return earlier
    return SendResult(rows, outcome=SendOutcome.RENDER_FAILED if error else SendOutcome.QUEUED)


def _tenant_invoice_id(tenant: Tenant, invoice_id: Any) -> Any:
    """The id of the tenant's own invoice `invoice_id`; another tenant's invoice is never attached."""
    from billing.invoices.models import Invoice

    found = Invoice.objects.filter(tenant=tenant, pk=invoice_id).values_list("pk", flat=True).first()
    if found is None:
        raise ValueError(f"Invoice {invoice_id} is not an invoice of {tenant}.")
    return found


def _earlier_send(tenant: Tenant, event: str, period_key: str) -> SendResult | None:
    notification = Notification.objects.filter(tenant=tenant, event=event, period_key=period_key).first()
    if notification is None:
        return None
    return SendResult(notification.emails.order_by("id"), outcome=SendOutcome.DUPLICATE)


def _render_rows(tenant: Tenant, event: Event, context: Mapping[str, Any], recipients: Sequence[Recipient],
                 language: str) -> tuple[list[EmailLog], str]:
    """Unsaved EmailLog rows, all rendered, or all failed with the error: never some of each."""
    now = timezone.now()
    try:
        rendered = [render_email(tenant=tenant, event=event, context=context, recipient=r, language=language)
                    for r in recipients]
    except Exception as exc:  # any rendering fault (template, filter, URL, missing fact) is a failed row, not a crash
        logger.exception("Rendering the %s email of tenant %s failed", event, tenant.pk)
        error = f"The email could not be rendered, so it was not sent. {type(exc).__name__}: {exc}"
        return [EmailLog(tenant=tenant, event=event, to=r.email, subject=event.label, status=EmailLog.Status.FAILED,
                         error=error[:2000], created_at=now) for r in recipients], error
    return [EmailLog(tenant=tenant, event=event, to=r.email, subject=email.subject, html_body=email.html,
                     text_body=email.text, created_at=now)
            for r, email in zip(recipients, rendered, strict=True)], ""


def notification_send_test_email(*, tenant: Tenant, actor: User, request_id: object) -> SendResult:
    """The settings page's Send test email; `request_id` comes from the page, so a double click sends once."""
    try:
        request_id = uuid.UUID(str(request_id))
    except ValueError:
        raise ValidationError({"request_id": "The page that sent this request is out of date. Reload it and try again."})
    return notification_send(tenant=tenant, event=Event.TEST, context={"sent_by": actor.display_name},
                             period_key=f"test:{request_id}")


def _clean_events(enabled_events: Iterable[str]) -> list[str]:
    enabled: set[Event] = set()
    for value in enabled_events:
        if value not in Event.values or not SPECS[Event(value)].can_disable:
            raise ValidationError({"enabled_events": f"'{value}' is not a billing notification you can turn on or off."})
        enabled.add(Event(value))
    return [event.value for event in TOGGLEABLE_EVENTS if event not in enabled]


def _clean_levels(levels: Iterable[object]) -> list[int]:
    cleaned: list[int] = []
    for raw in levels:
        if raw is None or str(raw).strip() == "":
            continue
        text = str(raw).strip().replace(",", "").removeprefix("$")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount != amount.to_integral_value() or amount < 1:
            raise ValidationError({"low_balance_levels": f"'{raw}' isn't a whole number of dollars of 1 or more."})
        if amount > MAX_LOW_BALANCE_LEVEL:
            raise ValidationError({"low_balance_levels": f"${amount:,.0f} is above the highest level, "
                                                         f"${MAX_LOW_BALANCE_LEVEL:,}."})
        if int(amount) in cleaned:
            raise ValidationError({"low_balance_levels": f"${amount:,.0f} is entered twice."})
        cleaned.append(int(amount))
    if len(cleaned) > MAX_LOW_BALANCE_LEVELS:
        raise ValidationError({"low_balance_levels": f"Set at most {MAX_LOW_BALANCE_LEVELS} low-balance levels."})
    return sorted(cleaned, reverse=True)


def notification_settings_update(*, tenant: Tenant, actor: object, enabled_events: Iterable[str] | None = None,
                                 low_balance_levels: Iterable[object] | None = None,
                                 preferred_language: str | None = None,
                                 attach_invoice_pdf: bool | None = None) -> NotificationSettings:
    """Changes the given settings (None leaves one as it is) and audits what changed."""
    changes: dict[str, Any] = {}
    if enabled_events is not None:
        changes["disabled_events"] = _clean_events(enabled_events)
    if low_balance_levels is not None:
        changes["low_balance_levels"] = _clean_levels(low_balance_levels)
    if preferred_language is not None:
        if preferred_language not in NotificationSettings.Language.values:
            raise ValidationError({"preferred_language": f"'{preferred_language}' is not a language you can choose."})
        changes["preferred_language"] = preferred_language
    if attach_invoice_pdf is not None:
        changes["attach_invoice_pdf"] = bool(attach_invoice_pdf)
    with transaction.atomic():
        preferences = notification_settings_for_update(tenant=tenant)
        before = {name: getattr(preferences, name) for name in changes}
        changed = {name: value for name, value in changes.items() if before[name] != value}
        if not changed:
            return preferences
        for name, value in changed.items():
            setattr(preferences, name, value)
        preferences.updated_at = timezone.now()
        preferences.save(update_fields=[*changed, "updated_at"])
        audit_record(tenant=tenant, actor=actor, action="notifications.settings", target_label="Billing notifications",
                     before={k: before[k] for k in changed}, after=changed)
    return preferences


def recipient_add(*, tenant: Tenant, email: str | None, actor: Any) -> ExtraRecipient:
    """Adds an extra address (at most five); errors name the address."""
    raw = (email or "").strip()
    try:
        validate_email(raw)
    except ValidationError:
        raise ValidationError({"email": f"'{raw}' isn't a valid email address. Enter one like name@contoso.com."})
    address = raw.lower()
    with transaction.atomic():
        notification_settings_for_update(tenant=tenant)  # serialises adds, so two at once can't make a sixth
        current = list(ExtraRecipient.objects.filter(tenant=tenant).values_list("email", flat=True))
        if address in (e.lower() for e in current):
            raise ValidationError({"email": f"{address} already receives billing notifications."})
        if len(current) >= MAX_EXTRA_RECIPIENTS:
            raise ValidationError({"email": f"You can add up to {MAX_EXTRA_RECIPIENTS} other recipients. "
                                            f"Remove one before adding {address}."})
        recipient = ExtraRecipient.objects.create(tenant=tenant, email=address,
                                                  added_by=actor if getattr(actor, "tenant_id", None) else None)
        audit_record(tenant=tenant, actor=actor, action="notifications.recipient_add", target=recipient,
                     after={"email": address})
    return recipient


def recipient_remove(*, tenant: Tenant, recipient: ExtraRecipient, actor: object) -> None:
    if recipient.tenant_id != tenant.pk:
        raise ValueError("The recipient belongs to another tenant.")
    with transaction.atomic():
        notification_settings_for_update(tenant=tenant)
        audit_record(tenant=tenant, actor=actor, action="notifications.recipient_remove", target=recipient,
                     before={"email": recipient.email})
        recipient.delete()
