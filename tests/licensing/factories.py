"""Factories for licensing: subscriptions of catalogue products and raw licence rows for set-up."""
import factory

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
    return assignment
