"""factory_boy factories of the reports' inputs: call records, minute pools, blocked attempts, phone numbers."""
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from billing.rating.models import BlockAction, BlockedCall, BlockReason, CallRecord, MinutePool, TenantPhoneNumber


class CallRecordFactory(factory.django.DjangoModelFactory):
    """A rated outbound domestic US call paid by a Calling Plan pool unless told otherwise."""

    class Meta:
        model = CallRecord

    usage_id = factory.LazyFunction(uuid.uuid4)
    tenant = None
    call_id = factory.Sequence(lambda n: f"call-{n:06d}")
    user = None
    user_object_id = factory.LazyAttribute(lambda o: o.user.pk if o.user else None)
    user_principal_name = factory.LazyAttribute(lambda o: o.user.upn if o.user else "")
    user_display_name = factory.LazyAttribute(lambda o: o.user.display_name if o.user else "")
    phone_number = "+14255550100"
    number_type = "user"
    call_type = "user_out"
    callee_number = "+12065550123"
    callee_country = "US"
    caller_number = factory.LazyAttribute(lambda o: o.phone_number)
    caller_country = "US"
    destination_name = "United States"
    destination_number_type = "fixed"
    destination_context = "Domestic"
    usage_country = "US"
    tenant_country = "US"
    start_at = factory.LazyFunction(lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    duration_seconds = 125
    end_at = factory.LazyAttribute(lambda o: o.start_at + timedelta(seconds=o.duration_seconds))
    billable_seconds = factory.LazyAttribute(lambda o: -(-o.duration_seconds // 60) * 60)
    charge = Decimal("0.00")
    connection_charge = Decimal("0.00")
    currency = "USD"
    capability = "MCOPSTN1"


class MinutePoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinutePool

    tenant = None
    month = None
    kind = MinutePool.Kind.DOMESTIC
    plan = "MCOPSTN1"
    country = "US"
    capacity_minutes = 3000
    used_minutes = 0


class BlockedCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedCall

    tenant = None
    call_id = factory.Sequence(lambda n: f"blocked-{n:05d}")
    call_type = "user_out"
    user_principal_name = factory.LazyAttribute(lambda o: o.user.upn if o.user else "")
    user_display_name = factory.LazyAttribute(lambda o: o.user.display_name if o.user else "")
    user = None
    phone_number = "+14255550100"
    callee_number = "+442079460000"
    reason = BlockReason.NO_COMMUNICATIONS_CREDITS_LICENSE
    action = BlockAction.OUTBOUND_BLOCKED
    blocked_at = factory.LazyFunction(lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantPhoneNumber

    tenant = None
    e164 = factory.Sequence(lambda n: f"+1425555{n:04d}")
    country = "US"
    kind = TenantPhoneNumber.Kind.USER
