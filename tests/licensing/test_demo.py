"""licensing.demo.seed: a realistic, deterministic, idempotent Contoso license estate without MCOPSTNC."""
import io
from collections import Counter

from accounts import demo as accounts_demo
from licensing import demo
from licensing.models import LicenseAssignment, Subscription, SubscriptionQuantityChange
from licensing.selectors import licensed_user_count, user_service_plans


def _estate(tenant):
    return sorted(LicenseAssignment.objects.filter(tenant=tenant).values_list("user__upn", "product__sku_part_number"))


def test_demo_seed_is_realistic_and_idempotent(db):
    tenant = accounts_demo.seed(stdout=io.StringIO())
    demo.seed(tenant=tenant, stdout=io.StringIO())
    first = _estate(tenant)
    ledger = SubscriptionQuantityChange.objects.count()
    demo.seed(tenant=tenant, stdout=io.StringIO())
    assert _estate(tenant) == first
    assert SubscriptionQuantityChange.objects.count() == ledger

    parts = {part for _, part in first}
    assert {"SPE_E5", "SPE_E3", "MCOEV", "MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOMEETADV",
            "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2"} <= parts
    assert "MCOPSTNC" not in parts
    assert not Subscription.objects.filter(tenant=tenant, product__sku_part_number="MCOPSTNC").exists()
    users = tenant.users.count()
    assert 0 < users - licensed_user_count(tenant=tenant) < users // 5
    for subscription in Subscription.objects.filter(tenant=tenant):
        assert subscription.enabled_units > subscription.product.assignments.filter(tenant=tenant).count()
    by_country = {}
    for user in tenant.users.all():
        plans = user_service_plans(user=user)
        if plans & {"MCOPSTN1", "MCOPSTN2", "MCOPSTN5", "MCOPSTN_6", "MCOPSTN8", "MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2"}:
            assert "MCOEV" in plans
            by_country.setdefault(user.usage_location, set()).update(plans)
    assert {"MCOPSTN1", "MCOPSTN2"} <= by_country["US"]
    assert "MCOPSTN_PAYG_2" in by_country["DE"] | by_country["FR"]
    assert "IN" not in by_country and "JP" not in by_country


def test_demo_plan_is_pinned_so_every_install_shows_the_same_estate(db):
    """The same directory always gives the same licenses: a changed generator changes these numbers."""
    tenant = accounts_demo.seed(stdout=io.StringIO())
    planned = demo.plan_licenses(list(tenant.users.prefetch_related("role_rows")))
    counts = Counter(part for parts in planned.values() for part in parts)
    assert len(planned) == 276
    assert counts == {"SPE_E5": 149, "SPE_E3": 127, "MCOEV": 41, "MCOPSTN1": 79, "MCOPSTN2": 26, "MCOPSTN5": 4,
                      "MCOPSTN_6": 4, "MCOPSTN8": 7, "MCOPSTN_PAYG_1": 5, "MCOPSTN_PAYG_2": 16, "MCOMEETADV": 24}
