"""Factories for licensing: subscriptions of catalogue products and raw license rows for set-up."""
from importlib import import_module

import factory
from django.apps import apps

from accounts.services import tenant_licenses_changed
from licensing.models import AssignedPlan, LicenseAssignment, Product, Subscription


def product(part_number):
    return Product.objects.get(sku_part_number=part_number)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    enabled_units = 25
    price = factory.LazyAttribute(lambda o: o.product.list_price)


def give_license(user, part_number, *, disabled=()):
    """Writes an assignment and its plan rows directly (set-up only: the services enforce the rules)."""
    prod = product(part_number)
    assignment = LicenseAssignment.objects.create(tenant=user.tenant, user=user, product=prod)
    AssignedPlan.objects.bulk_create([
        AssignedPlan(tenant=user.tenant, user=user, assignment=assignment, service_plan=plan,
                     enabled=plan.name not in disabled)
        for plan in prod.service_plans.all()
    ])
    tenant_licenses_changed(tenant_id=user.tenant_id)  # as the services do: cached license counts move on
    return assignment


def ensure_catalogue():
    """Reloads the catalogue the migration ships when a transactional test's flush removed it."""
    if not Product.objects.exists():
        import_module("licensing.migrations.0002_catalogue").load_catalogue(apps, None)
