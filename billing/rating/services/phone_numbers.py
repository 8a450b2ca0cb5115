"""Writes of a tenant's phone number inventory: acquiring numbers for users and services, releasing them."""
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Tenant, User
from accounts.services import audit_record

from ..callinput import clean_number
from ..models import TenantPhoneNumber
from ..numbers import NumberType


def phone_number_add(*, tenant: Tenant, number: object, kind: str, actor: object, user: User | None = None,
                     label: str | None = "") -> TenantPhoneNumber:
    """Adds `number` (E.164 text) to the tenant's inventory as a user, conferencing or toll-free number."""
    parsed = clean_number(number, field="number")
    if kind not in TenantPhoneNumber.Kind.values:
        raise ValidationError({"kind": f"'{kind}' is not a number type; use one of {', '.join(TenantPhoneNumber.Kind.values)}."})
    if kind == TenantPhoneNumber.Kind.TOLL_FREE and parsed.number_type != NumberType.TOLL_FREE:
        raise ValidationError({"number": f"{parsed.international} is not a toll-free number."})
    if kind != TenantPhoneNumber.Kind.TOLL_FREE and parsed.number_type in (NumberType.TOLL_FREE, NumberType.PREMIUM):
        raise ValidationError({"number": f"{parsed.international} is a {parsed.number_type.label.lower()} number; "
                                         "users and conferencing need a geographic number."})
    if user is not None and (kind != TenantPhoneNumber.Kind.USER or user.tenant_id != tenant.pk):
        raise ValidationError({"user": "Only user numbers are assigned to a user of this organization."})
    label = (label or "").strip()[:100]
    try:
        with transaction.atomic(durable=True):
            phone = TenantPhoneNumber.objects.create(tenant=tenant, e164=parsed.e164, country=parsed.country, kind=kind,
                                                     user=user, label=label)
            audit_record(tenant=tenant, actor=actor, action="phone_number.add", target=phone,
                         after={"number": phone.e164, "kind": kind, "user": user.upn if user else None})
    except IntegrityError:
        if TenantPhoneNumber.objects.filter(e164=parsed.e164).exists():
            raise ValidationError({"number": f"{parsed.international} is already in use."}) from None
        # Not the number, so the one-number-per-user constraint: there is a user.
        raise ValidationError({"user": f"{cast(User, user).display_name} already has a phone number."}) from None
    return phone


def phone_number_release(*, phone_number: TenantPhoneNumber, actor: object) -> None:
    """Gives a number back: calls already made keep it on their records."""
    with transaction.atomic(durable=True):
        audit_record(tenant=phone_number.tenant, actor=actor, action="phone_number.release", target=phone_number,
                     before={"number": phone_number.e164, "kind": phone_number.kind})
        phone_number.delete()
