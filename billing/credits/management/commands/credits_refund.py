"""Operator door: refunds the unused part of one purchase to its payment method."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.credits.exceptions import CreditsError
from billing.credits.management.errors import command_error
from billing.credits.models import Purchase
from billing.credits.services import credits_refund


class Command(BaseCommand):
    help = "Refund unused Communications Credits of one purchase to the card (or as a credit on the invoice)."

    def add_arguments(self, parser):
        parser.add_argument("--purchase", required=True, type=int, help="The purchase id.")
        parser.add_argument("--amount", help="Dollars and cents; everything left of the purchase when left out.")
        parser.add_argument("--reason", default="")
        parser.add_argument("--key", required=True, help="Idempotency key: running the same command twice refunds once.")

    def handle(self, *args, purchase, amount, reason, key, **options):
        found = Purchase.objects.select_related("tenant").filter(pk=purchase).first()
        if found is None:
            raise CommandError(f"No purchase has the id {purchase}.")
        try:
            entry = credits_refund(purchase=found, amount=amount, idempotency_key=key, actor=None, reason=reason)
        except (ValidationError, CreditsError) as exc:
            raise command_error(exc) from None
        self.stdout.write(self.style.SUCCESS(f"{found.tenant.name}: refunded {-entry.amount:,.2f}, "
                                             f"balance {entry.balance_after:,.2f}."))
