"""Ships the default rate deck (data/default_rates.csv) as the operator's global deck, effective 2020-01-01."""
import datetime
import uuid
from pathlib import Path

from django.db import migrations

from billing.rating.deckfile import content_hash, parse_deck

DEFAULT_DECK = Path(__file__).resolve().parent.parent / "data" / "default_rates.csv"
EFFECTIVE_FROM = datetime.date(2020, 1, 1)


def load_default_deck(apps, schema_editor):
    RateDeckGeneration = apps.get_model("rating", "RateDeckGeneration")
    RateDeckVersion = apps.get_model("rating", "RateDeckVersion")
    Rate = apps.get_model("rating", "Rate")
    rows = parse_deck(DEFAULT_DECK.read_bytes())
    version = RateDeckVersion.objects.create(
        tenant=None, name="Default rates", effective_from=EFFECTIVE_FROM, source_file_name=DEFAULT_DECK.name,
        row_count=len(rows), content_hash=content_hash(rows), imported_by_label="Shipped with the product",
    )
    Rate.objects.bulk_create(
        [Rate(deck_version=version, prefix=r.prefix, destination=r.destination, country=r.country,
              number_type=r.number_type, price_per_minute=r.price_per_minute, price_per_minute_currency="USD",
              connection_fee=r.connection_fee, connection_fee_currency="USD", first_increment=r.first_increment,
              increment=r.increment) for r in rows],
        batch_size=1000,
    )
    RateDeckGeneration.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4()})


def unload_default_deck(apps, schema_editor):
    RateDeckVersion = apps.get_model("rating", "RateDeckVersion")
    RateDeckGeneration = apps.get_model("rating", "RateDeckGeneration")
    RateDeckVersion.objects.filter(tenant=None, effective_from=EFFECTIVE_FROM, source_file_name=DEFAULT_DECK.name).delete()
    RateDeckGeneration.objects.filter(pk=1).update(token=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("rating", "0001_initial")]

    operations = [migrations.RunPython(load_default_deck, unload_default_deck)]
