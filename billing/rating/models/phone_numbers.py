"""Phone numbers a tenant owns: user (subscriber) numbers, conferencing numbers and toll-free service numbers."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TenantPhoneNumber(models.Model):
    """One number in a tenant's inventory, in E.164; a number belongs to one tenant at a time.

    Toll-free numbers answer calls whose minutes are billed to the tenant's Communications Credits.
    """

    class Kind(models.TextChoices):
        USER = "user", "User (subscriber)"
        CONFERENCING = "conferencing", "Conferencing (toll)"
        TOLL_FREE = "toll_free", "Service (toll-free)"

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="phone_numbers")
    e164 = models.CharField("phone number", max_length=16, help_text="E.164, for example +14255550100")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    kind = models.CharField("number type", max_length=16, choices=Kind.choices)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="assigned_phone_number", help_text="The user a user number is assigned to")
    label = models.CharField(max_length=100, blank=True, help_text="What the number answers, e.g. 'Support line'")
    acquired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["e164"]
        indexes = [models.Index(fields=["tenant", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["e164"], name="rating_phone_number_unique"),
            models.CheckConstraint(condition=Q(e164__regex=r"^\+[1-9][0-9]{6,14}$"), name="rating_phone_number_e164"),
            # Only user numbers are assigned to a user; service numbers answer for the organisation.
            models.CheckConstraint(condition=Q(kind="user") | Q(user__isnull=True), name="rating_service_number_has_no_user"),
        ]

    def __str__(self):
        return self.e164

    @property
    def is_toll_free(self):
        return self.kind == self.Kind.TOLL_FREE
