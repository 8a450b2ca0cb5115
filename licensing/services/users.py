"""Users on Active users and the Graph API: create with licenses, edit the profile, block sign-in."""
import secrets
import string
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any
from uuid import UUID

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Tenant, User
from accounts.services import user_create, user_set_sign_in, user_update
from core.validation import clean_country

from ..models import LicenseAssignment, Product
from .assignments import LicenseChange, licenses_change

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def password_generate() -> str:
    """A strong password the admin hands to the new user: letters and digits, never ambiguous with symbols."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(14))
        if any(c.isupper() for c in candidate) and any(c.islower() for c in candidate) and any(
                c.isdigit() for c in candidate):
            return candidate


def user_add(*, tenant: Tenant, actor: object, upn: str, display_name: str, password: str, usage_location: str = "",
             products: Iterable[Product] = (), disabled_plans: Mapping[UUID, AbstractSet[str]] | None = None,
             roles: Iterable[str] = (), sign_in_allowed: bool = True, **profile: Any) -> User:
    """Creates a user and assigns `products` in one step: if a license can't be assigned, no user is created."""
    user_candidate = User(upn=upn, display_name=display_name, tenant=tenant)
    try:
        validate_password(password, user=user_candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user = user_create(tenant=tenant, upn=upn, display_name=display_name, password=password, roles=roles,
                           sign_in_allowed=sign_in_allowed, actor=actor, usage_location=usage_location, **profile)
        if products:
            licenses_change(tenant=tenant, actor=actor, users=[user], add=products, disabled_plans=disabled_plans)
    return user


def user_profile_update(*, user: User, actor: object, sign_in_allowed: bool | None = None, **fields: Any) -> User:
    """Edits a user's profile (and sign-in) in one step; a licensed user keeps a usage location."""
    if "usage_location" in fields:
        location = clean_country(fields["usage_location"], field="usage_location", allow_blank=True)
        if not location and LicenseAssignment.objects.filter(user=user).exists():
            raise ValidationError({"usage_location": (
                "This user has licenses, and licenses need a usage location. Remove the licenses first.")})
        fields["usage_location"] = location
    with transaction.atomic():
        user_update(user=user, actor=actor, **fields)
        if sign_in_allowed is not None:
            user_set_sign_in(user=user, allowed=sign_in_allowed, actor=actor)
    return user


def user_licenses_set(*, user: User, actor: object, usage_location: str, products: Iterable[Product],
                      disabled_plans: Mapping[UUID, AbstractSet[str]] | None) -> LicenseChange:
    """The "Licenses and apps" form: sets the location, then exactly these products and plan switches."""
    assert user.tenant is not None, "licenses are a tenant's users'"
    with transaction.atomic():
        user_profile_update(user=user, actor=actor, usage_location=usage_location)
        return licenses_change(tenant=user.tenant, actor=actor, users=[user], add=products, remove_others=True,
                               disabled_plans=disabled_plans)
