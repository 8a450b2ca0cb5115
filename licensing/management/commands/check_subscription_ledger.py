"""Operator check: every subscription's license count equals the sum of its append-only quantity ledger."""
from django.core.management.base import BaseCommand, CommandError

from licensing.selectors import subscriptions_out_of_balance


class Command(BaseCommand):
    help = "Report subscriptions whose enabled licenses differ from their quantity ledger; exit 1 if any do."

    def handle(self, *args, **opts):
        wrong = list(subscriptions_out_of_balance())
        for subscription in wrong:
            self.stdout.write(f"{subscription.tenant.name} / {subscription.product.sku_part_number}: "
                              f"{subscription.enabled_units:,} enabled, ledger says {subscription.ledger_units:,}")
        if wrong:
            raise CommandError(f"{len(wrong)} subscription(s) out of balance with their quantity ledger.")
        self.stdout.write(self.style.SUCCESS("Every subscription matches its quantity ledger."))
