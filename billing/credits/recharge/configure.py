"""Auto-recharge settings ("When balance is below" X, "Add this amount" Y); the recharge engine
(services/recharge.py) reads them and keeps their failure count."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.exceptions import PurchaseNotAllowed
from billing.credits.models import AutoRechargeSettings, PaymentMethod
from billing.credits.rules import clean_whole_dollars, limits, purchase_refusal
from billing.credits.services.funding import check_invoice_payment, check_payment_method
from billing.credits.services.ledger import actor_fields

from .engine import count_recharge_failure, recharge_if_due


def _snapshot(settings):
    return {"enabled": settings.enabled,
            "trigger_amount": None if settings.trigger_amount is None else str(settings.trigger_amount),
            "recharge_amount": None if settings.recharge_amount is None else str(settings.recharge_amount),
            "payment_method": settings.payment_method.label if settings.payment_method else None}


def _clean_amounts(enabled, trigger_amount, recharge_amount, current):
    """Both amounts at once, so a form shows every error together. Blank keeps the stored value when off."""
    minimum = limits().minimum_auto_recharge
    cleaned, errors = {}, {}
    for field, value in (("trigger_amount", trigger_amount), ("recharge_amount", recharge_amount)):
        if not enabled and (value is None or str(value).strip() == ""):
            cleaned[field] = getattr(current, field)
            continue
        try:
            cleaned[field] = clean_whole_dollars(value, field=field, minimum=minimum)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned["trigger_amount"], cleaned["recharge_amount"]


def auto_recharge_update(*, tenant, enabled, trigger_amount, recharge_amount, payment_method, actor):
    """Saves the settings. Turning them on needs both amounts (whole dollars, at least the minimum), a valid
    payment method of the tenant and a billing account that may buy. Saving resumes a paused auto-recharge."""
    current = AutoRechargeSettings.objects.filter(tenant=tenant).select_related("payment_method").first()
    current = current or AutoRechargeSettings(tenant=tenant)
    enabled = bool(enabled)
    trigger, recharge = _clean_amounts(enabled, trigger_amount, recharge_amount, current)
    if enabled:
        refusal = purchase_refusal(tenant)
        if refusal:
            raise PurchaseNotAllowed(refusal)
        if payment_method is None:
            raise ValidationError({"payment_method": "Choose the payment method auto-recharge pays with."})
        check_payment_method(tenant=tenant, payment_method=payment_method)
        if payment_method.kind == PaymentMethod.Kind.INVOICE:
            check_invoice_payment(tenant=tenant, actor=actor)
    elif payment_method is not None:
        check_payment_method(tenant=tenant, payment_method=payment_method)
    else:
        payment_method = current.payment_method
    with transaction.atomic(durable=True):
        settings = lock_objects.auto_recharge_settings_for_update(tenant=tenant) or AutoRechargeSettings(tenant=tenant)
        before = _snapshot(settings) if settings.pk else None
        settings.enabled, settings.trigger_amount, settings.recharge_amount = enabled, trigger, recharge
        settings.payment_method = payment_method
        settings.consecutive_failures, settings.paused, settings.last_failure_reason = 0, False, ""
        settings.updated_at, settings.updated_by = timezone.now(), actor_fields(actor)["actor"]
        settings.save()
        audit_record(tenant=tenant, actor=actor, action="credits.auto_recharge", target=settings, before=before,
                     after=_snapshot(settings))
    if settings.enabled:
        # Turned on (or resumed after a pause) with the balance already below the trigger: recharge now.
        recharge_if_due(tenant=tenant)
    return settings


def auto_recharge_record_failure(*, tenant, reason):
    """Counts a failed recharge outside the engine (an operator); see recharge.count_recharge_failure."""
    with transaction.atomic(durable=True):
        settings = lock_objects.auto_recharge_settings_for_update(tenant=tenant)
        if settings is None:
            raise AutoRechargeSettings.DoesNotExist(f"{tenant} has no auto-recharge settings.")
        return count_recharge_failure(settings, tenant=tenant, reason=reason)
