"""The auto-recharge engine: start one recharge when the available balance is below the trigger, charge it once,
record the funds, invoice and email, and back off, then pause, after failures.

The life of a RechargeAttempt (billing/credits/models/recharge.py):

1. `recharge_start` stores it `pending` with its own idempotency key, under the settings row lock and a
   partial unique constraint (one pending attempt per tenant), so however many calls cross the trigger at
   once, one recharge starts.
2. `recharge_process` claims it (a lease, like the email delivery claim) and, on its first claim, fixes its
   amount and payment method from the settings as they are at that moment: settings changed while it was
   pending apply, settings changed after its charge was sent apply from the next attempt. Turned off, or the
   balance topped up above the trigger, before the charge was sent: the attempt is canceled, nothing charged.
3. The card is charged under the attempt's key, outside any transaction (no row lock is held across a call to
   the processor). A repeated key answers with the first charge, so a worker killed mid-charge and the sweep
   that picks the attempt up again charge once.
4. Success, in one transaction: Purchase + ledger entry + lot (kind recharge), its invoice, the attempt
   `succeeded` and the `recharge_succeeded` email rows (delivered after the commit).
   Failure, in one transaction: the attempt `failed` with the reason, the failure counted on the settings, the
   next try held back by the retry delays (recharge_policy.py), and `recharge_failed` emailed; the failure that
   reaches the pause threshold pauses auto-recharge and emails `auto_recharge_paused` (how to fix the card).
5. How much, and whether at all, is the rule's (rule.py): a fixed amount or a top-up to the target, never taking
   the month's auto-recharge spending over the monthly cap. Both the start and the first claim apply it under the
   settings lock; with one pending attempt per tenant, two recharges can't both pass the cap. A capped recharge
   pauses auto-recharge until the next month (`cap_paused_until`) and emails `auto_recharge_capped`.
   An email that can't be rendered or recorded never undoes the money (balance_events.notify_safely).

Doors: billing.credits.tasks.start_recharge / process_recharge / sweep_recharges; `recharge_if_due` for code that
changes the balance without the ledger's debit (the ledger's debit and reserve call balance_events itself).
"""
import datetime
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Tenant
from accounts.services import audit_record
from billing.credits import lock_objects
from billing.credits.exceptions import PaymentDeclined
from billing.credits.models import AutoRechargeSettings, LedgerEntry, PaymentMethod, RechargeAttempt
from billing.credits.recharge.policy import RechargePolicy, recharge_policy
from billing.credits.recharge.rule import ZERO, RechargeDecision, RechargeRule, next_month_start, recharge_decision
from billing.credits.recharge.selectors import (
    recharge_candidates,
    recharge_spent_in_month,
    stale_recharge_ids,
    waiting_after_failure,
)
from billing.credits.rules import limits, purchase_refusal
from billing.credits.selectors import credits_balance
from billing.credits.services.balance_events import notify_safely, start_recharge_after_commit
from billing.credits.services.funding import (
    charge_for_funding,
    check_invoice_payment,
    funding_fingerprint,
    record_funding,
)
from billing.notifications.events import Event

Status = RechargeAttempt.Status


def recharge_if_due(*, tenant: Tenant) -> bool:
    """Starts the tenant's recharge after the current transaction commits when it is due now (auto-recharge on,
    not paused, available balance below the trigger). Returns whether one was asked for. For code that moves
    the balance without `credits_debit` (e.g. a batch of debits); the recharge itself re-checks everything."""
    if not credits_balance(tenant=tenant).recharge_due:
        return False
    start_recharge_after_commit(tenant.pk)
    return True


def _trigger_and_method(settings: AutoRechargeSettings) -> tuple[Decimal, PaymentMethod]:
    """The trigger and payment method of settings that are on (the auto_recharge_on_is_complete constraint sets both)."""
    if settings.trigger_amount is None or settings.payment_method is None:
        raise ValueError(f"Auto-recharge of {settings.tenant_id} is on without a trigger or a payment method.")
    return settings.trigger_amount, settings.payment_method


def _in_backoff(settings: AutoRechargeSettings, now: datetime.datetime) -> bool:
    return settings.consecutive_failures > 0 and waiting_after_failure(now=now).filter(tenant_id=settings.tenant_id).exists()


def recharge_start(*, tenant: Tenant, now: datetime.datetime | None = None) -> RechargeAttempt | None:
    """Stores a pending attempt when a recharge is due and none is pending; returns it, or None. A recharge the
    monthly cap does not allow is not stored: auto-recharge pauses until the next month and the admins are told."""
    now = now or timezone.now()
    if RechargeAttempt.objects.filter(tenant=tenant, status=Status.PENDING).exists():
        return None
    try:
        with transaction.atomic(durable=True):
            settings = lock_objects.auto_recharge_settings_for_update(tenant=tenant)
            if (settings is None or not settings.enabled or settings.paused or settings.cap_paused(now)
                    or _in_backoff(settings, now)):
                return None
            # Read again under the lock: a concurrent start that held it before us has committed its attempt.
            if RechargeAttempt.objects.filter(tenant=tenant, status=Status.PENDING).exists():
                return None
            balance = credits_balance(tenant=tenant, now=now)
            decision, spent = _decision(settings, tenant, balance.available, now)
            if not decision.due:
                return None
            if decision.capped:
                _pause_for_cap(settings, tenant=tenant, now=now, decision=decision, spent=spent, available=balance.available)
                return None
            trigger, method = _trigger_and_method(settings)
            return RechargeAttempt.objects.create(
                tenant=tenant, amount=decision.amount, trigger_amount=trigger,
                available_at_start=balance.available, payment_method=method, payment_method_label=method.label,
                created_at=now)
    except IntegrityError:
        # The partial unique constraint: another process stored the pending attempt first.
        if RechargeAttempt.objects.filter(tenant=tenant, status=Status.PENDING).exists():
            return None
        raise


def _decision(settings: AutoRechargeSettings, tenant: Tenant, available: Decimal,
              now: datetime.datetime) -> tuple[RechargeDecision, Decimal]:
    """The rule's decision for the locked settings, and what auto-recharge already charged this month."""
    spent = recharge_spent_in_month(tenant=tenant, now=now) if settings.monthly_cap is not None else ZERO
    # cast: the callers decide only for enabled settings, which have a rule.
    return recharge_decision(cast(RechargeRule, settings.rule), available=available, spent_this_month=spent), spent


def _pause_for_cap(settings: AutoRechargeSettings, *, tenant: Tenant, now: datetime.datetime, decision: RechargeDecision,
                   spent: Decimal, available: Decimal) -> None:
    """The monthly cap stopped a recharge: pause auto-recharge until the month ends and email the admins (once per
    month and cap). Runs under the settings lock."""
    resumes = next_month_start(now)
    settings.cap_paused_until = resumes
    settings.save(update_fields=["cap_paused_until"])
    audit_record(tenant=tenant, actor=None, action="credits.auto_recharge_capped", target=settings,
                 after={"monthly_cap": str(settings.monthly_cap), "spent_this_month": str(spent),
                        "recharge_amount": str(decision.amount), "resumes": resumes.isoformat()})
    notify_safely(tenant=tenant, event=Event.AUTO_RECHARGE_CAPPED,
                  period_key=f"cap:{now:%Y-%m}:{settings.monthly_cap:.0f}",
                  context={"cap": settings.monthly_cap, "spent": spent, "amount": decision.amount,
                           "resumes_on": resumes.date(), "balance": available,
                           "url_name": "billing:credits_auto_recharge"})


def recharge_run(*, tenant: Tenant) -> RechargeAttempt | None:
    """What a crossed trigger asks for: start a recharge if one is due, and charge it. Returns the attempt or None."""
    attempt = recharge_start(tenant=tenant)
    if attempt is None:
        return None
    return recharge_process(attempt_id=attempt.pk)


def _finish(attempt: RechargeAttempt, status: str, now: datetime.datetime, **fields: Any) -> None:
    attempt.status, attempt.finished_at, attempt.claimed_at = status, now, None
    for name, value in fields.items():
        setattr(attempt, name, value)
    attempt.save()


def _cancel(attempt: RechargeAttempt, now: datetime.datetime, reason: str) -> None:
    _finish(attempt, Status.CANCELED, now, reason=reason)
    audit_record(tenant=attempt.tenant, actor=None, action="credits.recharge_canceled", target=attempt,
                 after={"amount": str(attempt.amount), "reason": reason})


def _claim(attempt_id: int, now: datetime.datetime, policy: RechargePolicy) -> RechargeAttempt | None:
    """Takes the attempt for this worker (None: finished, or another worker's lease still runs). On the first
    claim, fixes the amount and payment method from the current settings, or cancels when no longer wanted."""
    with transaction.atomic(durable=True):
        attempt: RechargeAttempt = lock_objects.recharge_attempt_for_update(attempt_id=attempt_id)
        if attempt.status != Status.PENDING:
            return None
        if attempt.claimed_at is not None and attempt.claimed_at > now - policy.lease:
            return None
        if attempt.charge_requested_at is None:
            settings = lock_objects.auto_recharge_settings_for_update(tenant=attempt.tenant)
            balance = credits_balance(tenant=attempt.tenant, now=now)
            if settings is None or not settings.enabled:
                _cancel(attempt, now, "Auto-recharge was turned off before the card was charged. Nothing was charged.")
                return None
            decision, spent = _decision(settings, attempt.tenant, balance.available, now)
            if not decision.due:
                _cancel(attempt, now, f"The balance was back at ${balance.available:,.2f}, not below "
                                      f"${settings.trigger_amount:,.0f}, before the card was charged. Nothing was charged.")
                return None
            if decision.capped or settings.cap_paused(now):
                _cancel(attempt, now, f"This month's auto-recharge limit of ${settings.monthly_cap:,.0f} was reached "
                                      "before the card was charged. Nothing was charged.")
                if decision.capped:
                    _pause_for_cap(settings, tenant=attempt.tenant, now=now, decision=decision, spent=spent,
                                   available=balance.available)
                return None
            trigger, method = _trigger_and_method(settings)
            attempt.amount, attempt.trigger_amount = decision.amount, trigger
            attempt.payment_method, attempt.payment_method_label = method, method.label
            attempt.charge_requested_at = now
        attempt.claimed_at = now
        attempt.claims += 1
        attempt.save()
        return attempt


def _payment_problem(attempt: RechargeAttempt, now: datetime.datetime) -> tuple[str, str] | None:
    """Why the attempt's payment method can't be charged now (the admin's words), or None."""
    method, tenant = attempt.payment_method, attempt.tenant
    refusal = purchase_refusal(tenant)
    if refusal:
        return "not_allowed", refusal
    if method.removed_at is not None:
        return "payment_method_removed", (f"{method.label} was deleted. Choose another payment method in "
                                          "Auto-recharge settings.")
    if method.is_expired(now.date()):
        return "expired_card", (f"The card ending in {method.last4} expired in {method.expiration}. Update your "
                                "payment method on Payment methods, then save the auto-recharge settings.")
    if method.kind == PaymentMethod.Kind.INVOICE:
        try:
            check_invoice_payment(tenant=tenant, actor=None)
        except (ValidationError, PermissionDenied) as exc:
            return "invoice_not_allowed", " ".join(getattr(exc, "messages", [str(exc)]))
    return None


def recharge_process(*, attempt_id: int) -> RechargeAttempt:
    """Charges a pending attempt and records the outcome; running it again (a redelivered task, the sweep after
    a lost worker) charges nothing more. Returns the attempt as it is afterwards."""
    now = timezone.now()
    attempt = _claim(attempt_id, now, recharge_policy())
    if attempt is None:
        return RechargeAttempt.objects.get(pk=attempt_id)
    problem = _payment_problem(attempt, now)
    if problem is not None:
        return _fail(attempt, code=problem[0], reason=problem[1])
    tenant, method, amount = attempt.tenant, attempt.payment_method, attempt.amount
    try:
        charge_id = charge_for_funding(tenant=tenant, amount=amount, payment_method=method, key=attempt.idempotency_key)
    except PaymentDeclined as exc:
        return _fail(attempt, code=exc.code, reason=exc.message)
    except Exception:
        # A processor or database fault: hand the lease back so the task's retry may claim it at once.
        RechargeAttempt.objects.filter(pk=attempt.pk, status=Status.PENDING, claims=attempt.claims).update(claimed_at=None)
        raise
    return _succeed(attempt, charge_id)


def _succeed(attempt: RechargeAttempt, charge_id: str) -> RechargeAttempt:
    tenant, method = attempt.tenant, attempt.payment_method
    kind = LedgerEntry.Kind.RECHARGE
    with transaction.atomic(durable=True):
        now = timezone.now()
        account = lock_objects.credit_account_for_update(tenant=tenant)
        attempt = lock_objects.recharge_attempt_for_update(attempt_id=attempt.pk)
        if attempt.status != Status.PENDING:  # a second worker finished it while this one was charging
            return attempt
        funding = record_funding(
            tenant=tenant, account=account, kind=kind, amount=attempt.amount, payment_method=method,
            key=attempt.idempotency_key, fingerprint=funding_fingerprint(kind, attempt.amount, method),
            charge_id=charge_id, actor=None, at=now)
        purchase, invoice = funding.purchase, funding.invoice
        _finish(attempt, Status.SUCCEEDED, now, purchase=purchase, invoice=invoice, reason="", decline_code="")
        notify_safely(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, period_key=f"recharge:{attempt.pk}", context={
            "amount": attempt.amount, "new_balance": account.balance, "invoice_number": invoice.display_number,
            "payment_method": attempt.payment_method_label, "invoice_id": str(invoice.pk),
            "url_name": "invoices:detail", "url_kwargs": {"invoice_id": str(invoice.pk)},
        })
    return attempt


def _fail(attempt: RechargeAttempt, *, code: str, reason: str) -> RechargeAttempt:
    """Records a failed attempt, counts it, schedules the next try or pauses, and emails the admins."""
    policy = recharge_policy()
    with transaction.atomic(durable=True):
        now = timezone.now()
        attempt = lock_objects.recharge_attempt_for_update(attempt_id=attempt.pk)
        if attempt.status != Status.PENDING:
            return attempt
        settings = lock_objects.auto_recharge_settings_for_update(tenant=attempt.tenant)
        if settings is not None:
            count_recharge_failure(settings, tenant=attempt.tenant, reason=reason)
        # Without a settings row (never saved) there is nothing to retry for.
        retry_at = (None if settings is None or settings.paused
                    else now + policy.retry_delay(settings.consecutive_failures))
        _finish(attempt, Status.FAILED, now, reason=reason[:300], decline_code=(code or "")[:32], retry_at=retry_at)
        balance = credits_balance(tenant=attempt.tenant, now=now).available
        facts = {"payment_method": attempt.payment_method_label, "balance": balance}
        if settings is not None and settings.paused:
            notify_safely(tenant=attempt.tenant, event=Event.AUTO_RECHARGE_PAUSED, period_key=f"recharge:{attempt.pk}",
                          context={"failed_attempts": settings.consecutive_failures, "reason": reason, **facts})
        else:
            notify_safely(tenant=attempt.tenant, event=Event.RECHARGE_FAILED, period_key=f"recharge:{attempt.pk}",
                          context={"amount": attempt.amount, "reason": reason, **facts})
    return attempt


def count_recharge_failure(settings: AutoRechargeSettings, *, tenant: Tenant, reason: str) -> AutoRechargeSettings:
    """Counts a failed recharge on the locked settings row; after `failures_before_pause` in a row auto-recharge
    pauses until an admin saves the settings again. A successful recharge resets the count."""
    settings.consecutive_failures += 1
    settings.last_failure_reason = (reason or "")[:200]
    settings.paused = settings.consecutive_failures >= limits().failures_before_pause
    settings.save(update_fields=["consecutive_failures", "last_failure_reason", "paused"])
    audit_record(tenant=tenant, actor=None, action="credits.auto_recharge_failed", target=settings,
                 after={"reason": settings.last_failure_reason, "consecutive_failures": settings.consecutive_failures,
                        "paused": settings.paused})
    return settings


def recharge_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The safety net run every minute: starts the recharges a lost message missed (broker down when the
    trigger was crossed, retries whose wait is over) and hands attempts of lost workers to a worker again."""
    from billing.credits.tasks import process_recharge, start_recharge

    now = now or timezone.now()
    policy = recharge_policy()
    tenants = recharge_candidates(now=now)
    for tenant_id in tenants:
        start_recharge.delay(str(tenant_id))
    stale = stale_recharge_ids(now=now, policy=policy)
    for attempt_id in stale:
        process_recharge.delay(attempt_id)
    return {"started": len(tenants), "resumed": len(stale)}
