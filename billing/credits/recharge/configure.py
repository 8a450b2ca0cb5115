"""Auto-recharge settings ("When balance is below" X, then "Add this amount" Y or "Top up to" Z, with an optional
monthly limit); the recharge engine (engine.py) reads them through the rule (rule.py) and keeps their failure count."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.exceptions import PurchaseNotAllowed
from billing.credits.models import AutoRechargeSettings, PaymentMethod
from billing.credits.rules import clean_whole_dollars, limits, purchase_refusal
from billing.credits.selectors import credits_balance
from billing.credits.services.funding import check_invoice_payment, check_payment_method
from billing.credits.services.ledger import actor_fields

from .engine import count_recharge_failure, recharge_if_due
from .rule import FIXED, MODES, TOP_UP, RechargeDecision, RechargeRule, recharge_decision
from .selectors import recharge_spent_in_month


def _snapshot(settings: AutoRechargeSettings) -> dict[str, Any]:
    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {"enabled": settings.enabled, "mode": settings.mode, "trigger_amount": money(settings.trigger_amount),
            "recharge_amount": money(settings.recharge_amount), "target_balance": money(settings.target_balance),
            "monthly_cap": money(settings.monthly_cap),
            "payment_method": settings.payment_method.label if settings.payment_method else None}


def _blank(value: object) -> bool:
    return value is None or str(value).strip() == ""


def _clean_amounts(*, enabled: bool, mode: str, values: Mapping[str, object],
                   current: AutoRechargeSettings) -> dict[str, Decimal | None]:
    """Every amount at once, so a form shows every error together: {field: Decimal | None}.

    The amounts the mode uses are required while auto-recharge is on; a blank one keeps the stored value while it
    is off, and the amount the mode does not use keeps its stored value. A blank monthly limit means no limit.
    """
    minimum = limits().minimum_auto_recharge
    errors: dict[str, object]
    used = {"trigger_amount", "recharge_amount" if mode == FIXED else "target_balance"}
    cleaned: dict[str, Decimal | None] = {}
    errors = {}
    for field in ("trigger_amount", "recharge_amount", "target_balance"):
        value = values[field]
        if field not in used or (not enabled and _blank(value)):
            cleaned[field] = getattr(current, field)
            continue
        try:
            cleaned[field] = clean_whole_dollars(value, field=field, minimum=minimum)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    cleaned["monthly_cap"] = None
    if not _blank(values["monthly_cap"]):
        try:
            cleaned["monthly_cap"] = clean_whole_dollars(values["monthly_cap"], field="monthly_cap", minimum=minimum)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    trigger, target, cap = cleaned["trigger_amount"], cleaned["target_balance"], cleaned["monthly_cap"]
    if mode == TOP_UP and trigger is not None and target is not None and target < trigger + minimum:
        errors["target_balance"] = (f"Top up to at least ${trigger + minimum:,.0f}: ${minimum:,.0f} above the balance "
                                    "that starts a recharge, so each recharge adds at least that much.")
    amount = cleaned["recharge_amount"]
    if enabled and mode == FIXED and trigger is not None and amount is not None and amount < trigger:
        errors["recharge_amount"] = (f"Add at least ${trigger:,.0f}, the amount in When balance is below: a smaller "
                                     "recharge leaves the balance under it, so another recharge would start at once.")
    largest = cleaned["recharge_amount"] if mode == FIXED else target
    if cap is not None and largest is not None and cap < largest:
        errors["monthly_cap"] = (f"The monthly limit must allow at least one recharge: ${largest:,.0f} or more, "
                                 "or leave it empty for no limit.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class RechargePreview:
    rule: RechargeRule
    available: Decimal
    decision: RechargeDecision

    @property
    def recharges_now(self) -> bool:
        """Saving makes a recharge at once (the balance is below the trigger and the monthly limit allows it)."""
        return self.decision.allowed


def auto_recharge_preview(*, tenant: Tenant, enabled: bool, trigger_amount: object, recharge_amount: object,
                          mode: str = FIXED, target_balance: object = None, monthly_cap: object = None,
                          now: datetime | None = None) -> RechargePreview | None:
    """What saving these settings would do at once: the rule's decision for the available balance now (a recharge is
    made on save when it is `allowed`) with the rule and balance it read, or None while auto-recharge would be off.
    Raises the same ValidationError as auto_recharge_update for bad amounts; writes nothing."""
    if not enabled:
        return None
    if mode not in MODES:
        raise ValidationError({"mode": "Choose Add a fixed amount or Top up to a target balance."})
    current = AutoRechargeSettings.objects.filter(tenant=tenant).first() or AutoRechargeSettings(tenant=tenant)
    amounts = _clean_amounts(enabled=True, mode=mode, current=current, values={
        "trigger_amount": trigger_amount, "recharge_amount": recharge_amount, "target_balance": target_balance,
        "monthly_cap": monthly_cap})
    now = now or timezone.now()
    assert amounts["trigger_amount"] is not None, "an enabled auto-recharge has a trigger"
    rule = RechargeRule(trigger=amounts["trigger_amount"], mode=mode, amount=amounts["recharge_amount"],
                        target=amounts["target_balance"], monthly_cap=amounts["monthly_cap"])
    available = credits_balance(tenant=tenant, now=now).available
    decision = recharge_decision(rule, available=available,
                                 spent_this_month=recharge_spent_in_month(tenant=tenant, now=now))
    return RechargePreview(rule=rule, available=available, decision=decision)


def auto_recharge_update(*, tenant: Tenant, enabled: bool, trigger_amount: object, recharge_amount: object,
                         payment_method: PaymentMethod | None, actor: object, mode: str = FIXED,
                         target_balance: object = None, monthly_cap: object = None) -> AutoRechargeSettings:
    """Saves the settings. Turning them on needs the trigger and, by mode, the amount to add (`fixed`) or the balance
    to top up to (`top_up`) — whole dollars, at least the minimum — a valid payment method of the tenant and a
    billing account that may buy. `monthly_cap` (optional) limits what auto-recharge spends in a calendar month.
    Saving resumes an auto-recharge paused by failures or by the monthly limit."""
    current = AutoRechargeSettings.objects.filter(tenant=tenant).select_related("payment_method").first()
    current = current or AutoRechargeSettings(tenant=tenant)
    enabled = bool(enabled)
    if mode not in MODES:
        raise ValidationError({"mode": "Choose Add a fixed amount or Top up to a target balance."})
    amounts = _clean_amounts(enabled=enabled, mode=mode, current=current, values={
        "trigger_amount": trigger_amount, "recharge_amount": recharge_amount, "target_balance": target_balance,
        "monthly_cap": monthly_cap})
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
        settings.enabled, settings.mode = enabled, mode
        for field, value in amounts.items():
            setattr(settings, field, value)
        settings.payment_method = payment_method
        settings.consecutive_failures, settings.paused, settings.last_failure_reason = 0, False, ""
        settings.cap_paused_until = None
        settings.updated_at, settings.updated_by = timezone.now(), actor_fields(actor)["actor"]
        settings.save()
        audit_record(tenant=tenant, actor=actor, action="credits.auto_recharge", target=settings, before=before,
                     after=_snapshot(settings))
    if settings.enabled:
        # Turned on (or resumed after a pause) with the balance already below the trigger: recharge now.
        recharge_if_due(tenant=tenant)
    return settings


def auto_recharge_record_failure(*, tenant: Tenant, reason: str) -> AutoRechargeSettings:
    """Counts a failed recharge outside the engine (an operator); see recharge.count_recharge_failure."""
    with transaction.atomic(durable=True):
        settings = lock_objects.auto_recharge_settings_for_update(tenant=tenant)
        if settings is None:
            raise AutoRechargeSettings.DoesNotExist(f"{tenant} has no auto-recharge settings.")
        return count_recharge_failure(settings, tenant=tenant, reason=reason)
