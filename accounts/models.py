"""Tenants (organisations), their users and admin roles, the audit log and API tokens."""
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .roles import Role, roles_allow


class Tenant(models.Model):  # type: ignore[django-manager-missing]
    class BillingAccountKind(models.TextChoices):
        MOSA = "MOSA", "Microsoft Online Subscription Agreement"
        MCA = "MCA", "Microsoft Customer Agreement"
        EA = "EA", "Enterprise Agreement"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    initial_domain = models.CharField(max_length=253, unique=True)
    country = models.CharField("home country or region", max_length=2, help_text="ISO 3166-1 alpha-2")
    billing_country = models.CharField("billing address country", max_length=2)
    billing_address = models.TextField(blank=True)
    billing_account_kind = models.CharField(
        max_length=4, choices=BillingAccountKind.choices, default=BillingAccountKind.MOSA
    )
    agreement_number = models.CharField("Enterprise Agreement number", max_length=40, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(default=timezone.now)
    # Counts every change of the tenant's license assignments, plan toggles and users' usage locations
    # (accounts.services.tenant_licenses_changed): minute pools key their count of license holders on it.
    licenses_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, upn, password=None, **fields):
        if not upn:
            raise ValueError("A user needs a user principal name.")
        user = self.model(upn=upn.strip().lower(), **fields)
        user.set_password(password)  # type: ignore[attr-defined]
        user.save(using=self._db)
        return user

    def create_superuser(self, upn, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("display_name", "Operator")
        return self.create_user(upn, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person in a tenant's directory. Operators (superusers) have no tenant."""

    id = models.UUIDField("object id", primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="users", null=True, blank=True)
    upn = models.CharField("user principal name", max_length=320, unique=True)
    display_name = models.CharField(max_length=256)
    first_name = models.CharField(max_length=64, blank=True)
    last_name = models.CharField(max_length=64, blank=True)
    usage_location = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; required for licenses")
    phone_number = models.CharField(max_length=20, blank=True, help_text="E.164")
    department = models.CharField(max_length=64, blank=True)
    job_title = models.CharField(max_length=128, blank=True)
    office_location = models.CharField(max_length=128, blank=True)
    sign_in_allowed = models.BooleanField(default=True)
    is_staff = models.BooleanField("operator (Django admin)", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Delete user (Users > Deleted users): set while the user is deleted and restorable; the licenses the user
    # held then ({product id: [service plans switched off]}) are offered back on restore.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_licenses = models.JSONField(default=dict, blank=True)
    # The columns this admin chose on Active users ("Choose columns"); empty: the admin centre's defaults.
    user_list_columns = models.JSONField(default=list, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "upn"
    EMAIL_FIELD = "upn"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["display_name"]
        indexes = [
            models.Index(fields=["tenant", "display_name"]),
            models.Index(Lower("display_name"), name="user_display_name_lower"),
        ]

    def __str__(self):
        return f"{self.display_name} <{self.upn}>"

    @property
    def is_active(self):  # type: ignore[override]
        return self.sign_in_allowed and self.deleted_at is None

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def initials(self):
        parts = self.display_name.split()
        return "".join(p[0] for p in parts[:2]).upper() if parts else self.upn[:1].upper()

    @property
    def email(self):
        return self.upn

    @property
    def roles(self):
        """The user's admin roles; uses the prefetched rows when the caller prefetched `role_rows`."""
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = frozenset(Role(r.role) for r in self.role_rows.all())
        return self._roles_cache

    @property
    def is_tenant_admin(self):
        return self.tenant_id is not None and bool(self.roles)

    def can(self, capability: str) -> bool:
        return self.tenant_id is not None and roles_allow(self.roles, capability)


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self):
        return f"{self.user.upn}: {self.get_role_display()}"


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditLog(models.Model):
    """Who changed what, when: one row per action on money, licenses, users or settings."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="audit_entries")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=320)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=320, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class ApiToken(models.Model):
    """A bearer token for the /v1.0/ and /api/v1/ endpoints, scoped to one tenant, stored hashed."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # What the token may do (accounts/scopes.py) and until when; None: it does not expire.
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()
