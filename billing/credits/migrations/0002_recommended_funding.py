"""Seeds PRODUCT.md's recommended funding amounts; operators edit them afterwards in the Django admin."""
from decimal import Decimal

from django.db import migrations

# (from users, to users, one-time invoice-billed, one-time credit card, trigger, auto-recharge amount)
ROWS = [
    (0, 249, "1000", "200", "200", "500"),
    (250, 500, "5000", "5000", "1000", "2000"),
    (501, 1000, "10000", "10000", "2000", "5000"),
    (1001, None, "15000", "15000", "3000", "10000"),
]


def seed(apps, schema_editor):
    RecommendedFunding = apps.get_model("billing", "RecommendedFunding")
    for min_users, max_users, invoice, card, trigger, recharge in ROWS:
        RecommendedFunding.objects.update_or_create(
            min_users=min_users,
            defaults={"max_users": max_users, "one_time_invoice": Decimal(invoice), "one_time_card": Decimal(card),
                      "trigger_amount": Decimal(trigger), "recharge_amount": Decimal(recharge)},
        )


def unseed(apps, schema_editor):
    apps.get_model("billing", "RecommendedFunding").objects.filter(min_users__in=[r[0] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
