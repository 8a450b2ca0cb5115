"""Calling policies: change the tenant's and a user's, and the 80%/100% notices of a user's monthly spend."""
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record
from core.validation import is_whole

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
    if isinstance(value, bool) or not is_whole(str(value).strip()) or len(str(value).strip()) > 9:
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
    changes: dict[str, Any] = {}
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
        if limit is None and current is not None and current.destination_policy_id is None:
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
    own, destination_policy_id = (UserCallingPolicy.objects.filter(user=user)
                                  .values_list("spend_limit", "destination_policy_id").first() or (None, None))
    limit = effective_limit(enabled=policy.enable_spend_limits, tenant_limit=policy.user_spend_limit, user_limit=own)
    spent, held = spent_and_held(tenant=tenant, user_id=user.pk, at=at)
    return {"enabled": policy.enable_spend_limits, "own_limit": own, "policy_limit": policy.user_spend_limit,
            "limit": limit, "spent": spent, "held": held, "month": month_start(at),
            "destination_policy_id": destination_policy_id}


# Destination policies -------------------------------------------------------------------------------------------------

def _clean_name(name):
    text = str(name or "").strip()
    if not text or len(text) > 64:
        raise ValidationError({"name": "Name the policy in 1 to 64 characters, e.g. 'No premium numbers'."})
    return text


def _clean_list(values, *, field, clean_one):
    if values is None:
        return ""
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    if not isinstance(values, (list, tuple)):
        raise ValidationError({field: "Send a list, e.g. [\"GB\", \"DE\"]."})
    cleaned = sorted({clean_one(str(v)) for v in values if str(v).strip()})
    return ",".join(cleaned)


def _clean_number_type(value):
    from billing.rating.numbers import NumberType

    text = value.strip().lower()
    allowed = [t for t in NumberType.values if t != NumberType.UNKNOWN]
    if text not in allowed:
        raise ValidationError({"blocked_number_types": f"'{value}' isn't a number type ({', '.join(allowed)})."})
    return text


def _clean_max_calls(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit() or not 1 <= int(str(value).strip()) <= 100:
        raise ValidationError({"max_concurrent_calls": f"'{value}' isn't a whole number of calls from 1 to 100."})
    return int(str(value).strip())


def _policy_fields(*, name, blocked_countries, blocked_number_types, max_concurrent_calls):
    from core.validation import clean_country

    fields = {}
    if name is not UNSET:
        fields["name"] = _clean_name(name)
    if blocked_countries is not UNSET:
        fields["blocked_countries"] = _clean_list(
            blocked_countries, field="blocked_countries",
            clean_one=lambda v: clean_country(v, field="blocked_countries"))
    if blocked_number_types is not UNSET:
        fields["blocked_number_types"] = _clean_list(blocked_number_types, field="blocked_number_types",
                                                     clean_one=_clean_number_type)
    if max_concurrent_calls is not UNSET:
        fields["max_concurrent_calls"] = _clean_max_calls(max_concurrent_calls)
    return fields


def destination_policy_save(*, tenant, actor, policy=None, name=UNSET, blocked_countries=UNSET,
                            blocked_number_types=UNSET, max_concurrent_calls=UNSET):
    """Creates a policy (policy=None) or changes the given fields of one; names are unique in a tenant."""
    from .models import DestinationPolicy

    if policy is not None and policy.tenant_id != tenant.pk:
        raise ValueError("The policy belongs to another tenant.")
    fields = _policy_fields(name=name, blocked_countries=blocked_countries, blocked_number_types=blocked_number_types,
                            max_concurrent_calls=max_concurrent_calls)
    if policy is None and "name" not in fields:
        raise ValidationError({"name": "Name the policy in 1 to 64 characters, e.g. 'No premium numbers'."})
    with transaction.atomic():
        others = DestinationPolicy.objects.filter(tenant=tenant, name=fields.get("name"))
        if policy is not None:
            others = others.exclude(pk=policy.pk)
        if "name" in fields and others.exists():
            raise ValidationError({"name": f"A policy named '{fields['name']}' already exists."})
        before = {} if policy is None else {k: getattr(policy, k) for k in fields}
        if policy is None:
            policy = DestinationPolicy.objects.create(tenant=tenant, **fields)
        else:
            for key, value in fields.items():
                setattr(policy, key, value)
            policy.save()
        audit_record(tenant=tenant, actor=actor, action="spend.destination_policy", target=policy, before=before,
                     after=fields)
    return policy


def destination_policy_delete(*, tenant, policy, actor):
    if policy.tenant_id != tenant.pk:
        raise ValueError("The policy belongs to another tenant.")
    with transaction.atomic():
        audit_record(tenant=tenant, actor=actor, action="spend.destination_policy_delete", target=policy,
                     before={"name": policy.name})
        policy.delete()


def _tenant_policy_or_error(tenant, policy_id, field):
    from .models import DestinationPolicy

    if policy_id is None:
        return None
    try:
        return DestinationPolicy.objects.get(tenant=tenant, pk=int(policy_id))
    except (TypeError, ValueError, DestinationPolicy.DoesNotExist):
        raise ValidationError({field: f"No destination policy '{policy_id}' in this organization."}) from None


def calling_policy_set_destination(*, tenant, actor, destination_policy_id=UNSET, anomaly_multiple=UNSET):
    """The org-wide default destination policy (None: nothing blocked) and the spend anomaly multiple."""
    changes: dict[str, Any] = {}
    if destination_policy_id is not UNSET:
        changes["destination_policy"] = _tenant_policy_or_error(tenant, destination_policy_id, "destination_policy_id")
    if anomaly_multiple is not UNSET:
        if isinstance(anomaly_multiple, bool) or not str(anomaly_multiple).strip().isdigit() or not (
                2 <= int(str(anomaly_multiple).strip()) <= 100):
            raise ValidationError({"anomaly_multiple": f"'{anomaly_multiple}' isn't a whole multiple from 2 to 100."})
        changes["anomaly_multiple"] = int(str(anomaly_multiple).strip())
    with transaction.atomic():
        policy, _ = CallingPolicy.objects.select_for_update().get_or_create(tenant=tenant)
        for key, value in changes.items():
            setattr(policy, key, value)
        policy.updated_at = timezone.now()
        policy.save()
        audit_record(tenant=tenant, actor=actor, action="spend.calling_policy", target_label="Calling policy",
                     after={k: (v.name if hasattr(v, "name") else v) for k, v in changes.items()})
    return policy


def user_destination_policy_set(*, tenant, user, actor, destination_policy_id):
    """Assigns a destination policy to the user (None: the tenant's default applies)."""
    if user.tenant_id != tenant.pk:
        raise ValueError("The user belongs to another tenant.")
    policy = _tenant_policy_or_error(tenant, destination_policy_id, "destination_policy_id")
    with transaction.atomic():
        current = UserCallingPolicy.objects.select_for_update().filter(user=user).first()
        if current is None:
            if policy is None:
                return None
            current = UserCallingPolicy(tenant=tenant, user=user)
        current.destination_policy = policy
        current.updated_at = timezone.now()
        if policy is None and current.spend_limit is None:
            current.delete()
            current = None
        else:
            current.save()
        audit_record(tenant=tenant, actor=actor, action="spend.user_destination_policy", target=user,
                     after={"destination_policy": policy.name if policy else None})
    return current
