"""Demo licenses for Contoso: E5 and E3 people, Teams Phone, calling plans by country, some unlicensed.

Deterministic (a seeded random generator over the directory in username order) and idempotent: purchases
carry fixed idempotency keys and only users without any license are given licenses. No Communications
Credits (MCOPSTNC) licenses here: funding Contoso adds and assigns those.
"""
import random
from collections import defaultdict

from django.db import transaction

from accounts.models import User
from core.plugins import demo_seeder

from .models import LicenseAssignment, Product, Subscription
from .services import licenses_change, subscription_buy

# Licenses bought beyond those the demo assigns, so pages show some available.
SPARE = {"SPE_E5": 15, "SPE_E3": 10, "MCOEV": 5, "MCOPSTN1": 10, "MCOPSTN2": 5, "MCOPSTN5": 5, "MCOPSTN_6": 5,
         "MCOPSTN8": 5, "MCOPSTN_PAYG_1": 5, "MCOPSTN_PAYG_2": 5, "MCOMEETADV": 10}
# Countries where Microsoft sells Calling Plans to this tenant (PAYG zone 2 covers the EU ones).
DOMESTIC_COUNTRIES = {"US", "PR", "CA", "GB"}
ZONE_2_COUNTRIES = {"DE", "FR"}


def _calling_plan(rng, country):
    roll = rng.random()
    if country in DOMESTIC_COUNTRIES:
        if roll < 0.55:
            return "MCOPSTN1"
        if roll < 0.80:
            return "MCOPSTN2"
        if roll < 0.87:
            return "MCOPSTN5"
        if roll < 0.93:
            return "MCOPSTN_6"
        if roll < 0.96:
            return "MCOPSTN8"
        return "MCOPSTN_PAYG_1"
    if country in ZONE_2_COUNTRIES:
        return "MCOPSTN_PAYG_2" if roll < 0.4 else ("MCOPSTN1" if roll < 0.7 else None)
    return None


def plan_licenses(users):
    """{user: [part numbers]} for the demo directory; users left out stay unlicensed."""
    rng = random.Random(365)
    plan = {}
    for user in sorted(users, key=lambda u: u.upn):
        if user.roles:
            plan[user] = ["SPE_E5", "MCOPSTN1"]
            continue
        roll = rng.random()
        if roll < 0.08 or not user.usage_location:
            continue  # unlicensed: new starters, shared mailboxes waiting for a license
        parts = ["SPE_E5"] if roll < 0.58 else ["SPE_E3"]
        has_phone = parts == ["SPE_E5"]
        if not has_phone and rng.random() < 0.35 and user.usage_location in DOMESTIC_COUNTRIES | ZONE_2_COUNTRIES:
            parts.append("MCOEV")
            has_phone = True
        if has_phone and rng.random() < 0.8:
            calling = _calling_plan(rng, user.usage_location)
            if calling:
                parts.append(calling)
        if parts == ["SPE_E3"] and rng.random() < 0.25:
            parts.append("MCOMEETADV")
        plan[user] = parts
    return plan


@transaction.atomic
@demo_seeder
def seed(*, tenant, stdout=None):
    users = list(User.objects.filter(tenant=tenant).prefetch_related("role_rows"))
    licensed = set(LicenseAssignment.objects.filter(tenant=tenant).values_list("user_id", flat=True))
    plan = {user: parts for user, parts in plan_licenses(users).items() if user.pk not in licensed}
    products = {p.sku_part_number: p for p in Product.objects.all()}
    needed: defaultdict[str, int] = defaultdict(int)
    for parts in plan_licenses(users).values():
        for part in parts:
            needed[part] += 1
    owned = dict(Subscription.objects.filter(tenant=tenant).values_list("product__sku_part_number", "enabled_units"))
    for part in sorted(needed):
        target = needed[part] + SPARE.get(part, 5)
        if owned.get(part, 0) < target:
            subscription_buy(tenant=tenant, product=products[part], quantity=target - owned.get(part, 0), actor=None,
                             idempotency_key=f"demo:{part}:{target}")
    groups = defaultdict(list)
    for user, parts in plan.items():
        groups[tuple(parts)].append(user)
    for parts, group in sorted(groups.items()):
        licenses_change(tenant=tenant, actor=None, users=group, add=[products[p] for p in parts])
    if stdout:
        stdout.write(f"  licenses: {len(needed)} subscriptions, {len(plan)} users licensed now "
                     f"({len(licensed)} already were)")
    return tenant
