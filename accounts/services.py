"""Writes for tenants, users, roles and API tokens; the one audit-log writer every app uses."""
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from core.validation import clean_country, clean_domain, clean_phone, clean_text, model_max_length

from .models import ApiToken, AuditLog, Tenant, User, UserRole
from .roles import Role
from .scopes import clean_scopes


def actor_label(actor: object) -> str:
    if actor is None:
        return "System"
    label: str | None = getattr(actor, "audit_label", None)
    if label:
        return label
    upn: str = getattr(actor, "upn", str(actor))
    return upn


def audit_record(*, tenant: Tenant, actor: object, action: str, target: Model | None = None, target_type: str = "",
                 target_id: object = "", target_label: str = "", before: Any = None, after: Any = None) -> AuditLog:
    """Appends one audit row; callers run it inside their own transaction."""
    if target is not None:
        target_type = target_type or target._meta.label
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)
    actor_user = getattr(actor, "audit_user", actor)
    return AuditLog.objects.create(
        tenant=tenant,
        actor=actor_user if isinstance(actor_user, User) else None,
        actor_label=actor_label(actor),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:320],
        before=before,
        after=after,
    )


def tenant_create(*, name: str, domain: str, country: str, billing_country: str | None = None,
                  billing_account_kind: str = Tenant.BillingAccountKind.MOSA, agreement_number: str = "",
                  billing_address: str = "", actor: object = None) -> Tenant:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter the organization's name."})
    domain = clean_domain(domain)
    country = clean_country(country)
    billing_country = clean_country(billing_country or country, field="billing_country")
    if billing_account_kind not in Tenant.BillingAccountKind.values:
        raise ValidationError({"billing_account_kind": f"'{billing_account_kind}' is not one of MOSA, MCA, EA."})
    with transaction.atomic():
        if Tenant.objects.filter(initial_domain=domain).exists():
            raise ValidationError({"domain": f"A tenant with the domain {domain} already exists."})
        tenant = Tenant.objects.create(
            name=name, initial_domain=domain, country=country, billing_country=billing_country,
            billing_account_kind=billing_account_kind, agreement_number=agreement_number,
            billing_address=billing_address,
        )
        audit_record(tenant=tenant, actor=actor, action="tenant.create", target=tenant,
                     after={"name": name, "domain": domain, "country": country})
    return tenant


def _clean_upn(upn: str | None, tenant: Tenant) -> str:
    upn = clean_text(upn, field="upn", model=User).lower()
    local, _, domain = upn.partition("@")
    if not local or not domain:
        raise ValidationError({"upn": f"'{upn}' is not a username of the form name@{tenant.initial_domain}."})
    if domain != tenant.initial_domain:
        raise ValidationError({"upn": f"The domain of '{upn}' is not a domain of {tenant.name} ({tenant.initial_domain})."})
    return upn


def _clean_roles(roles: Iterable[str] | None) -> list[Role]:
    cleaned: list[Role] = []
    for role in roles or ():
        if role not in Role.values:
            known = ", ".join(Role.values)
            raise ValidationError({"roles": f"'{role}' is not an admin role (known roles: {known})."})
        cleaned.append(Role(role))
    return cleaned


USER_EDITABLE_FIELDS = ("display_name", "first_name", "last_name", "usage_location", "phone_number",
                        "department", "job_title", "office_location")


def _clean_user_fields(fields: Mapping[str, Any], *, region: str | None = None) -> dict[str, Any]:
    cleaned = dict(fields)
    for name in USER_EDITABLE_FIELDS:  # all text: strings without NUL bytes that fit their column, before any rule reads them
        if name in cleaned:
            limit = None if name in ("usage_location", "phone_number") else model_max_length(User, name)
            cleaned[name] = clean_text(cleaned[name], field=name, max_length=limit)
    if "usage_location" in cleaned:
        cleaned["usage_location"] = clean_country(cleaned["usage_location"], field="usage_location", allow_blank=True)
        region = cleaned["usage_location"] or region
    if "phone_number" in cleaned:
        cleaned["phone_number"] = clean_phone(cleaned["phone_number"], region=region or None)
    if "display_name" in cleaned:
        cleaned["display_name"] = (cleaned["display_name"] or "").strip()
        if not cleaned["display_name"]:
            raise ValidationError({"display_name": "Enter a display name."})
    return cleaned


def user_create(*, tenant: Tenant, upn: str, display_name: str, actor: object, password: str | None = None,
                roles: Iterable[str] = (), sign_in_allowed: bool = True, **fields: Any) -> User:
    unknown = set(fields) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown user fields: {sorted(unknown)}")
    upn = _clean_upn(upn, tenant)
    cleaned = _clean_user_fields({"display_name": display_name, **fields}, region=tenant.country)
    roles = _clean_roles(roles)
    with transaction.atomic():
        if User.objects.filter(upn=upn).exists():
            raise ValidationError({"upn": f"The username {upn} is already taken."})
        user = User(tenant=tenant, upn=upn, sign_in_allowed=sign_in_allowed, **cleaned)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
        audit_record(tenant=tenant, actor=actor, action="user.create", target=user,
                     after={**cleaned, "upn": upn, "roles": [str(r) for r in roles]})
    return user


def tenant_licenses_changed(*, tenant_id: UUID) -> None:
    """Records that the tenant's license holders changed (assignments, plan toggles, usage locations, users deleted).

    Every writer of those calls it in its own transaction; caches of license counts (minute pool capacity)
    are keyed on the version, so they are never read stale after the commit.
    """
    Tenant.objects.filter(pk=tenant_id).update(licenses_version=F("licenses_version") + 1)


def _actor_is_global_admin(actor: object) -> bool:
    return actor is None or Role.GLOBAL_ADMIN in (getattr(actor, "roles", None) or ())


def require_may_manage(*, user: User, actor: object, action: str = "change") -> None:
    """Privileged admins (any admin role) are changed, blocked or have their roles changed only by a Global admin
    (or the operator's commands, actor None), as in Microsoft 365; raises PermissionDenied naming the rule."""
    if user.roles and not _actor_is_global_admin(actor):
        raise PermissionDenied(f"Only a Global admin can {action} {user.display_name}, who holds an admin role.")


def user_update(*, user: User, actor: object, **fields: Any) -> User:
    if set(fields) - {"usage_location"}:  # a usage location is a license matter, set by License admins for anyone
        require_may_manage(user=user, actor=actor, action="edit")
    unknown = set(fields) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This property cannot be changed." for name in sorted(unknown)})
    assert user.tenant is not None and user.tenant_id is not None, "the users edited here are a tenant's"
    cleaned = _clean_user_fields(fields, region=user.usage_location or user.tenant.country)
    before = {name: getattr(user, name) for name in cleaned}
    changed = {name: value for name, value in cleaned.items() if before[name] != value}
    if not changed:
        return user
    with transaction.atomic():
        for name, value in changed.items():
            setattr(user, name, value)
        user.save(update_fields=list(changed))
        if "usage_location" in changed:
            tenant_licenses_changed(tenant_id=user.tenant_id)
        audit_record(tenant=user.tenant, actor=actor, action="user.update", target=user,
                     before={k: before[k] for k in changed}, after=changed)
    return user


def user_set_sign_in(*, user: User, allowed: bool, actor: object) -> User:
    if not allowed and actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationError({"sign_in_allowed": "You can't block your own sign-in."})
    require_may_manage(user=user, actor=actor, action="block or unblock the sign-in of")
    if user.sign_in_allowed == allowed:
        return user
    assert user.tenant is not None, "the users edited here are a tenant's"
    with transaction.atomic():
        user.sign_in_allowed = allowed
        user.save(update_fields=["sign_in_allowed"])
        audit_record(tenant=user.tenant, actor=actor, action="user.unblock_sign_in" if allowed else "user.block_sign_in",
                     target=user, before={"sign_in_allowed": not allowed}, after={"sign_in_allowed": allowed})
    return user


def user_set_roles(*, user: User, roles: Iterable[str], actor: object) -> User:
    if not _actor_is_global_admin(actor):
        raise PermissionDenied("Only a Global admin can change admin roles.")
    roles = set(_clean_roles(roles))
    current = set(user.roles)
    if roles == current:
        return user
    assert user.tenant is not None, "the users edited here are a tenant's"
    with transaction.atomic():
        UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles - current])
        audit_record(tenant=user.tenant, actor=actor, action="user.roles", target=user,
                     before=sorted(current), after=sorted(roles))
    if hasattr(user, "_roles_cache"):
        del user._roles_cache
    return user


def admin_create(*, tenant_domain: str, upn: str, role: str, password: str | None = None,
                 display_name: str | None = None, actor: object = None) -> User:
    """Operator command path: a new admin user with one role in the tenant named by its domain."""
    tenant = Tenant.objects.filter(initial_domain=(tenant_domain or "").strip().lower()).first()
    if tenant is None:
        raise ValidationError({"tenant": f"No tenant has the domain '{tenant_domain}'."})
    _clean_roles([role])
    local = (upn or "").partition("@")[0]
    return user_create(tenant=tenant, upn=upn, display_name=display_name or local.replace(".", " ").title(),
                       password=password, roles=[role], actor=actor)


TOKEN_PREFIX = "cct"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, tenant: Tenant, name: str, actor: object, scopes: object,
                     expires_at: datetime | None = None, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Creates a token that may do only what `scopes` allow (accounts/scopes.py), until `expires_at` (None: no
    expiry), and returns (token, raw secret); the raw secret is shown once and never stored."""
    name = clean_text(name, field="name", max_length=100)
    if not name:
        raise ValidationError({"name": "Give the token a name so you can recognise it later."})
    scopes = clean_scopes(scopes)
    if expires_at is not None and expires_at <= (now or timezone.now()):
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(tenant=tenant, name=name, prefix=prefix, token_hash=hash_token(raw),
                                        created_by=actor if isinstance(actor, User) else None, scopes=scopes,
                                        expires_at=expires_at)
        audit_record(tenant=tenant, actor=actor, action="api_token.create", target=token,
                     after={"scopes": scopes, "expires_at": expires_at.isoformat() if expires_at else None})
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: object) -> ApiToken:
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(tenant=token.tenant, actor=actor, action="api_token.revoke", target=token)
    return token
