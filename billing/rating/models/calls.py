"""Calls: authorizations held while a call runs, rated call records (the PSTN usage report) and blocked attempts."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from billing.credits.models.ledger import MONEY

from ..numbers import NumberType

CALL_ID_MAX_LENGTH = 128  # the ledger's call_id holds the same value


class CallType(models.TextChoices):
    USER_IN = "user_in", "User inbound"
    USER_OUT = "user_out", "User outbound"
    USER_OUT_CONF = "user_out_conf", "User outbound to a conference"
    USER_OUT_TRANSFER = "user_out_transfer", "User outbound transfer"
    USER_OUT_FORWARDING = "user_out_forwarding", "User outbound forwarding"
    CONF_IN = "conf_in", "Conference dial-in"
    CONF_OUT = "conf_out", "Conference dial-out"
    UNASSIGNED_IN = "unassigned_in", "Inbound to a service number"
    EMERGENCY_OUT = "emergency_out", "Emergency call"


INBOUND_CALL_TYPES = frozenset({CallType.USER_IN, CallType.CONF_IN, CallType.UNASSIGNED_IN})


class Capability(models.TextChoices):
    """What paid for a call, as the PSTN usage report names it."""

    MCOPSTN1 = "MCOPSTN1", "Domestic Calling Plan"
    MCOPSTN2 = "MCOPSTN2", "Domestic and International Calling Plan"
    MCOPSTN5 = "MCOPSTN5", "Domestic Calling Plan (120 min)"
    MCOPSTN6 = "MCOPSTN6", "Domestic Calling Plan (240 min)"
    MCOPSTN8 = "MCOPSTN8", "Domestic Calling Plan (120 min, not pooled)"
    MCOMEETADD = "MCOMEETADD", "Audio Conferencing dial-out"
    MCOPSTNPP = "MCOPSTNPP", "Communications Credits"
    MCOEV = "MCOEV", "Teams Phone"
    FREECALL = "FREECALL", "Free call"


class DestinationContext(models.TextChoices):
    DOMESTIC = "Domestic", "Domestic"
    INTERNATIONAL = "International", "International"


class DurationSource(models.TextChoices):
    MICROSOFT = "microsoft", "Microsoft"
    OPERATOR = "operator", "Operator"


class CallSource(models.TextChoices):
    REALTIME = "realtime", "Authorized and completed"
    IMPORT = "import", "Imported call record"


class NumberInventoryType(models.TextChoices):
    """The kind of the tenant's number on the call (the report's "Number type")."""

    USER = "user", "User (subscriber)"
    CONFERENCING = "conferencing", "Conferencing (toll)"
    TOLL_FREE = "toll_free", "Service (toll-free)"


class CallRecord(models.Model):
    """One finished, rated call: a row of the PSTN usage report and its export (Graph `pstnCallLogRow`).

    `charge` is what Communications Credits paid, connection fee included (`connection_charge` is that fee's
    part of it): the sum of a tenant's charges equals its ledger's call debits. `pool_minutes` came from
    `pool` (see MinutePoolUsage), `credit_minutes` were paid by credits; a call free by its nature (incoming,
    emergency) has both at 0 and capability FREECALL. User fields are snapshots taken at the time of the call.
    """

    usage_id = models.UUIDField(unique=True, help_text="UsageId of the export")
    # Every index of this table starts with the tenant, so the key needs no index of its own.
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="call_records", db_index=False)
    call_id = models.CharField(max_length=CALL_ID_MAX_LENGTH)
    conference_id = models.CharField(max_length=128, blank=True)
    source = models.CharField(max_length=10, choices=CallSource.choices, default=CallSource.REALTIME)

    # Who made the call, kept as a snapshot (object id, UPN, display name) that outlives the user: the key is a
    # reference for reports, unconstrained like the pool's and rate's below. Indexed by rating_call_user_start,
    # which leads with it (deleting a user sets it to NULL by it).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_constraint=False, db_index=False)
    user_object_id = models.UUIDField("Microsoft Entra ObjectId", null=True, blank=True)
    user_principal_name = models.CharField("username", max_length=320, blank=True)
    user_display_name = models.CharField("display name", max_length=256, blank=True)
    phone_number = models.CharField(max_length=16, blank=True, help_text="The tenant's number on the call (E.164)")
    number_type = models.CharField(max_length=16, choices=NumberInventoryType.choices, blank=True)

    call_type = models.CharField(max_length=24, choices=CallType.choices)
    callee_number = models.CharField("called to", max_length=32)
    callee_country = models.CharField("to country or region", max_length=2, blank=True)
    caller_number = models.CharField("called from", max_length=32, blank=True)
    caller_country = models.CharField("from country or region", max_length=2, blank=True)
    destination_name = models.CharField(max_length=100, blank=True,
                                        help_text="Rate deck destination, e.g. 'United Kingdom - Mobile'")
    destination_number_type = models.CharField(max_length=16, choices=NumberType.choices, blank=True)
    destination_context = models.CharField("domestic/international", max_length=13, choices=DestinationContext.choices)
    usage_country = models.CharField("country or region", max_length=2, blank=True, help_text="User's usage location")
    tenant_country = models.CharField(max_length=2, blank=True)

    start_at = models.DateTimeField("start time")
    end_at = models.DateTimeField("end time")
    duration_seconds = models.PositiveIntegerField()
    billable_seconds = models.PositiveIntegerField(default=0)
    duration_source = models.CharField("source of call duration", max_length=10, choices=DurationSource.choices,
                                       default=DurationSource.MICROSOFT)
    operator = models.CharField(max_length=64, default="Microsoft")

    charge = models.DecimalField(default=0, **MONEY)
    connection_charge = models.DecimalField("connection fee", default=0, **MONEY)
    currency = models.CharField(max_length=3, default="USD")
    capability = models.CharField(max_length=16, choices=Capability.choices)
    # The pool, rate and deck version a call used are references for reports, not invariants (the pool's own
    # MinutePoolUsage row holds a constrained key): without database constraints a bulk import skips three
    # foreign-key checks per row. Nothing reads calls by them, and their rows go only with their tenant (decks
    # are immutable, pools are kept), so they have no index either: each would be updated on every insert.
    pool = models.ForeignKey("rating.MinutePool", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_constraint=False, db_index=False)
    pool_minutes = models.PositiveIntegerField(default=0)
    credit_minutes = models.PositiveIntegerField(default=0)

    rate = models.ForeignKey("rating.Rate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_constraint=False, db_index=False)
    deck_version = models.ForeignKey("rating.RateDeckVersion", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", db_constraint=False, db_index=False)
    rate_prefix = models.CharField(max_length=15, blank=True)
    price_per_minute = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_at", "-id"]
        # Reports read a tenant's calls by time, optionally one user's; other filters (call type) ride on the
        # time range. Each further index would slow every import. The user leads the second index so that it
        # also serves the user's own key.
        indexes = [
            models.Index(fields=["tenant", "-start_at"], name="rating_call_tenant_start"),
            models.Index(fields=["user", "tenant", "-start_at"], name="rating_call_user_start"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "call_id"], name="rating_call_unique_call_id"),
            models.CheckConstraint(condition=Q(end_at__gte=F("start_at")), name="rating_call_ends_after_start"),
            models.CheckConstraint(condition=Q(charge__gte=0, connection_charge__gte=0, connection_charge__lte=F("charge")),
                                   name="rating_call_charge_not_negative"),
            models.CheckConstraint(condition=Q(pool_minutes=0) | Q(pool__isnull=False),
                                   name="rating_call_pool_minutes_have_pool"),
            models.CheckConstraint(condition=Q(call_type__in=CallType.values), name="rating_call_type_known"),
            models.CheckConstraint(condition=Q(capability__in=Capability.values), name="rating_call_capability_known"),
        ]

    def __str__(self):
        return f"{self.call_id} {self.call_type}"

    @property
    def direction(self):
        """The export's Call Direction."""
        return "Inbound" if self.call_type in INBOUND_CALL_TYPES else "Outbound"

    @property
    def duration_minutes(self):
        return self.pool_minutes + self.credit_minutes


class CallUsageDay(models.Model):
    """The tenant's call records of one UTC day added up per report filter: what the PSTN usage report's totals read.

    Kept by database triggers on the call records table (billing/rating/usage_days.py), so every writer (a call's
    completion, an import's COPY, a script) counts its rows in the same statement, as a CallUsageChange that beat
    folds in here; a month's partition retired by `partitions_retire` takes its days with it. The report's user
    filters (one user, users near their spend limit) sum the call records themselves: a user's calls are few and
    indexed.
    """

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="The calls' start day (UTC)")
    call_type = models.CharField(max_length=24, choices=CallType.choices)
    destination_context = models.CharField(max_length=13, choices=DestinationContext.choices)
    usage_country = models.CharField(max_length=2, blank=True)
    capability = models.CharField(max_length=16, choices=Capability.choices)
    calls = models.BigIntegerField(default=0)
    seconds = models.BigIntegerField(default=0)
    charge = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day", "call_type", "destination_context", "usage_country",
                                            "capability"], name="rating_usage_day_key"),
        ]

    def __str__(self):
        return f"{self.day} {self.call_type}: {self.calls} calls"


class CallUsageChange(models.Model):
    """What one statement on the call records added to (or, negative, removed from) a day's totals, not yet folded
    into CallUsageDay. The triggers only append here: a call's completion never waits on another's day row. Beat
    folds them in every minute; the report adds both, so the totals are exact between folds too."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False,
                               db_constraint=False)
    day = models.DateField()
    call_type = models.CharField(max_length=24, choices=CallType.choices)
    destination_context = models.CharField(max_length=13, choices=DestinationContext.choices)
    usage_country = models.CharField(max_length=2, blank=True)
    capability = models.CharField(max_length=16, choices=Capability.choices)
    calls = models.BigIntegerField()
    seconds = models.BigIntegerField()
    charge = models.DecimalField(**MONEY)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="rating_usage_change_day")]

    def __str__(self):
        return f"{self.day} {self.call_type}: {self.calls:+} calls"


class CallAuthorization(models.Model):
    """An allowed call in progress: what it may spend, held until the call completes or the hold expires.

    `pool_minutes_held` are held on `pool` (MinutePool.held_minutes); `credit_amount_reserved` is held by a
    credits reservation with the same call id. Completing converts both into a CallRecord.
    """

    class Status(models.TextChoices):
        HELD = "held", "In progress"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"

    # Every authorization writes each index of this table twice (authorize inserts the row; complete changes its
    # status, which the held indexes name): the tenant is indexed by rating_auth_unique_call_id (tenant first), and
    # the service number, rate and pool only where set (a user's call names no service number, a call no pool pays
    # no pool).
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="call_authorizations",
                               db_index=False)
    call_id = models.CharField(max_length=CALL_ID_MAX_LENGTH)
    call_type = models.CharField(max_length=24, choices=CallType.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    service_number = models.ForeignKey("rating.TenantPhoneNumber", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", db_index=False)
    conference_id = models.CharField(max_length=128, blank=True)
    caller_number = models.CharField(max_length=32, blank=True)
    callee_number = models.CharField(max_length=32)
    start_at = models.DateTimeField()
    capability = models.CharField(max_length=16, choices=Capability.choices)
    rate = models.ForeignKey("rating.Rate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_index=False)
    pool = models.ForeignKey("rating.MinutePool", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_index=False)
    pool_minutes_held = models.PositiveIntegerField(default=0)
    credit_amount_reserved = models.DecimalField(default=0, **MONEY)
    max_duration_seconds = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    authorized_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    # Unconstrained: on PostgreSQL call records are partitioned by month (billing/rating/partitions.py), whose keys
    # include the start time, so no foreign key can point at the id alone; the ORM still sets it NULL on delete.
    call_record = models.OneToOneField(CallRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="authorization",
                                       db_constraint=False)
    # What the call record will say about the parties (numbers, countries, user snapshot), fixed at authorization.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], condition=Q(status="held"), name="rating_auth_held_expiry"),
                   # what a user's calls in progress hold (spend limits: billing/spend/limits.py)
                   models.Index(fields=["tenant", "user"], condition=Q(status="held"), name="rating_auth_held_user"),
                   models.Index(fields=["service_number"], condition=Q(service_number__isnull=False),
                                name="rating_auth_service_number"),
                   models.Index(fields=["rate"], condition=Q(rate__isnull=False), name="rating_auth_rate"),
                   models.Index(fields=["pool"], condition=Q(pool__isnull=False), name="rating_auth_pool")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "call_id"], name="rating_auth_unique_call_id"),
            models.CheckConstraint(condition=Q(credit_amount_reserved__gte=0), name="rating_auth_reserved_not_negative"),
            models.CheckConstraint(condition=Q(pool_minutes_held=0) | Q(pool__isnull=False), name="rating_auth_hold_has_pool"),
            models.CheckConstraint(condition=~Q(status="completed") | Q(call_record__isnull=False),
                                   name="rating_auth_completed_has_record"),
        ]

    def __str__(self):
        return f"{self.call_id} ({self.status})"


class BlockReason(models.TextChoices):
    PREMIUM_DESTINATION = "premium_destination", "Premium-rate destination"
    NO_TEAMS_PHONE = "no_teams_phone", "No Teams Phone license"
    NO_CALLING_PLAN = "no_calling_plan", "No Calling Plan license"
    NO_AUDIO_CONFERENCING = "no_audio_conferencing", "No Audio Conferencing license"
    NO_COMMUNICATIONS_CREDITS_LICENSE = "no_credits_license", "No Communications Credits license"
    INSUFFICIENT_CREDITS = "insufficient_credits", "Communications Credits balance too low"
    PAY_AS_YOU_GO_UNFUNDED = "payg_unfunded", "Pay-As-You-Go user with nothing to pay from"
    NO_RATE = "no_rate", "Destination not rated"
    SPEND_LIMIT = "spend_limit_reached", "Spend limit reached"
    DESTINATION_BLOCKED = "destination_blocked", "Destination blocked by calling policy"
    CONCURRENT_CALLS = "concurrent_call_limit", "Too many calls at once for this user"


class BlockAction(models.TextChoices):
    OUTBOUND_BLOCKED = "outbound_blocked", "Outbound call blocked"
    DIAL_OUT_BLOCKED = "dial_out_blocked", "Conference dial-out blocked"
    INBOUND_NOT_ANSWERED = "inbound_not_answered", "Toll-free call not answered"


class BlockedCall(models.Model):
    """A call attempt the service refused: the PSTN blocked users report."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="blocked_calls")
    call_id = models.CharField(max_length=CALL_ID_MAX_LENGTH)
    call_type = models.CharField(max_length=24, choices=CallType.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user_principal_name = models.CharField("username", max_length=320, blank=True)
    user_display_name = models.CharField("display name", max_length=256, blank=True)
    phone_number = models.CharField("phone", max_length=32, blank=True, help_text="The user's or service number")
    callee_number = models.CharField(max_length=32, blank=True)
    reason = models.CharField("blocked reason", max_length=24, choices=BlockReason.choices)
    action = models.CharField("blocked action", max_length=24, choices=BlockAction.choices)
    blocked_at = models.DateTimeField("blocked time")

    class Meta:
        ordering = ["-blocked_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-blocked_at"], name="rating_blocked_tenant_time")]
        constraints = [models.UniqueConstraint(fields=["tenant", "call_id"], name="rating_blocked_unique_call_id")]

    def __str__(self):
        return f"{self.call_id} blocked: {self.reason}"
