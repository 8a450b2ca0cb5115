"""Set-up helpers of the call tests: a calling rate deck, callers with licenses and numbers, credits, pools."""
import itertools
from decimal import Decimal

from billing.credits.services import credits_adjust
from billing.rating.models import MinutePool, TenantPhoneNumber
from tests.factories import UserFactory
from tests.licensing.factories import give_license

# Prices chosen so every rule's charge is easy to check by hand; the tenant's deck overrides the operator's.
CALLING_DECK = (
    "1425,United States - Washington,US,fixed,0.0200,0.00,60,60",
    "1787,Puerto Rico - Fixed,PR,fixed,0.0300,0.00,60,60",
    "1800,United States - Toll-free,US,toll-free,0.0300,0.00,60,60",
    "1888,United States - Toll-free,US,toll-free,0.0300,0.00,60,60",
    "1900,United States - Premium,US,premium,2.0000,0.50,60,60",
    "4420,United Kingdom - London,GB,fixed,0.0500,0.00,60,60",
    "447,United Kingdom - Mobile,GB,mobile,0.2000,0.05,60,60",
    "4484,United Kingdom - Shared cost,GB,shared-cost,0.1000,0.00,60,60",
    "449,United Kingdom - Premium,GB,premium,2.7500,0.25,60,60",
    "44800,United Kingdom - Toll-free,GB,toll-free,0.0700,0.00,60,60",
    "4930,Germany - Berlin,DE,fixed,0.0300,0.00,60,60",
    "2021,Egypt - Cairo,EG,fixed,0.5000,0.10,60,60",
    "8131,Japan - Tokyo,JP,fixed,0.1000,0.00,30,6",
)

US_FIXED = "+14255550100"
PR_FIXED = "+17875550123"
US_TOLL_FREE = "+18005550199"
US_PREMIUM = "+19005550100"
UK_FIXED = "+442079460000"
UK_MOBILE = "+447400123456"
UK_SHARED_COST = "+448431234567"  # phonenumbers says premium; the deck's shared-cost row decides
UK_PREMIUM = "+449098790000"
UK_TOLL_FREE = "+448001234567"
DE_FIXED = "+4930123456"
EG_FIXED = "+20212345678"
JP_FIXED = "+81312345678"

_numbers = itertools.count(100)
_keys = itertools.count(1)


def make_caller(tenant, *licenses, country="US", upn=None, number=None, display_name=None):
    """A user of `tenant` located in `country` holding `licenses` (SKU part numbers), with a user number if given."""
    fields = {"tenant": tenant, "usage_location": country}
    if upn:
        fields["upn"] = upn
    if display_name:
        fields["display_name"] = display_name
    user = UserFactory(**fields)
    for part in licenses:
        give_license(user, part)
    if number:
        TenantPhoneNumber.objects.create(tenant=tenant, e164=number, country=country, kind=TenantPhoneNumber.Kind.USER,
                                         user=user)
    return user


def service_number(tenant, e164, kind, country="US"):
    return TenantPhoneNumber.objects.create(tenant=tenant, e164=e164, country=country, kind=kind)


def add_credits(tenant, amount):
    return credits_adjust(tenant=tenant, amount=Decimal(amount), reason="Test funding", idempotency_key=f"test-{next(_keys)}",
                          actor=None)


def pool_used(tenant, *, month, kind, plan, country="US", used=0, user=None):
    """Marks `used` minutes of a pool as already used this month (the capacity is recomputed at each call)."""
    pool, _ = MinutePool.objects.get_or_create(tenant=tenant, month=month, kind=kind, plan=plan,
                                               country=country if kind != MinutePool.Kind.CONFERENCING else "", user=user)
    pool.used_minutes = used
    pool.save(update_fields=["used_minutes"])
    return pool
