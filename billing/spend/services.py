"""Calling policies: change the tenant's and a user's, and the 80%/100% notices of a user's monthly spend."""
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record

from .limits import effective_limit, month_start, spent_and_held
from .models import CallingPolicy, UserCallingPolicy

UNSET = object()  # "leave as it is", distinct from None ("no limit of its own")


def clean_limit(value, *, field):
    """A monthly limit in US dollars: 0 to SPEND_MAX_USER_LIMIT, at most two decimals; errors name `field`."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: "Enter the monthly limit in US dollars, e.g. 50 or 49.99."})
    text = str(value).strip().replace(",", "").removeprefix("$")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: f"'{value}' isn't an amount in US dollars, e.g. 50 or 49.99."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"'{value}' isn't an amount in US dollars, e.g. 50 or 49.99."})
    if amount < 0:
        raise ValidationError({field: f"The limit can't be below $0.00 (you entered {value})."})
    if amount > settings.SPEND_MAX_USER_LIMIT:
        raise ValidationError({field: f"The limit can be at most ${settings.SPEND_MAX_USER_LIMIT:,} a month."})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: f"'{value}' has more than two decimals; limits are in whole cents."})
    return amount.quantize(Decimal("0.01"))


def clean_slice_minutes(value):
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValidationError({"slice_minutes": f"'{value}' isn't a whole number of minutes."})
    minutes = int(str(value).strip())
    longest = settings.RATING_MAX_CALL_MINUTES
    if not 1 <= minutes <= longest:
        raise ValidationError({"slice_minutes": f"A slice is 1 to {longest} minutes (you entered {minutes})."})
    return minutes


def calling_policy_for(*, tenant):
    """The tenant's policy, or the defaults (unsaved) while it never changed them."""
    return CallingPolicy.objects.filter(tenant=tenant).first() or CallingPolicy(tenant=tenant)


def calling_policy_update(*, tenant, actor, enable_spend_limits=UNSET, user_spend_limit=UNSET, slice_minutes=UNSET):
    """Changes what is given (UNSET leaves it; user_spend_limit=None removes the default limit) and audits it."""
    changes = {}
    if enable_spend_limits is not UNSET:
        if not isinstance(enable_spend_limits, bool):
            raise ValidationError({"enable_spend_limits": "Send true or false."})
        changes["enable_spend_limits"] = enable_spend_limits
    if user_spend_limit is not UNSET:
        changes["user_spend_limit"] = (None if user_spend_limit is None
                                       else clean_limit(user_spend_limit, field="user_spend_limit"))
    if slice_minutes is not UNSET:
        changes["slice_minutes"] = clean_slice_minutes(slice_minutes)
    with transaction.atomic():
        policy, _ = CallingPolicy.objects.select_for_update().get_or_create(tenant=tenant)
        before = {name: getattr(policy, name) for name in changes}
        changed = {name: value for name, value in changes.items() if before[name] != value}
        if not changed:
            return policy
        for name, value in changed.items():
            setattr(policy, name, value)
        policy.updated_at = timezone.now()
        policy.save()
        audit_record(tenant=tenant, actor=actor, action="spend.calling_policy", target_label="Calling policy",
                     before={k: _audit(v) for k, v in before.items() if k in changed},
                     after={k: _audit(v) for k, v in changed.items()})
    return policy


def _audit(value):
    return str(value) if isinstance(value, Decimal) else value


def user_calling_policy_update(*, tenant, user, actor, spend_limit):
    """Sets the user's own monthly limit, or removes it (None: the policy's default applies)."""
    if user.tenant_id != tenant.pk:
        raise ValueError("The user belongs to another tenant.")
    limit = None if spend_limit is None else clean_limit(spend_limit, field="spend_limit")
    with transaction.atomic():
        current = UserCallingPolicy.objects.select_for_update().filter(user=user).first()
        before = current.spend_limit if current else None
        if before == limit:
            return current
        if limit is None and current.destination_policy_id is None:
            current.delete()
            current = None
        elif current is None:
            current = UserCallingPolicy.objects.create(tenant=tenant, user=user, spend_limit=limit)
        else:
            current.spend_limit, current.updated_at = limit, timezone.now()
            current.save(update_fields=["spend_limit", "updated_at"])
        audit_record(tenant=tenant, actor=actor, action="spend.user_limit", target=user,
                     before={"spend_limit": _audit(before)}, after={"spend_limit": _audit(limit)})
    return current


def user_spend_summary(*, tenant, user, at=None):
    """For the user's panel and the API: the limit that applies, its source, the month's spend and what is held."""
    at = at or timezone.now()
    policy = calling_policy_for(tenant=tenant)
    own = UserCallingPolicy.objects.filter(user=user).values_list("spend_limit", flat=True).first()
    limit = effective_limit(enabled=policy.enable_spend_limits, tenant_limit=policy.user_spend_limit, user_limit=own)
    spent, held = spent_and_held(tenant=tenant, user_id=user.pk, at=at)
    return {"enabled": policy.enable_spend_limits, "own_limit": own, "policy_limit": policy.user_spend_limit,
            "limit": limit, "spent": spent, "held": held, "month": month_start(at)}
