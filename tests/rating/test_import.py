"""Importing rate decks (service and `import_rates`), exporting them, and the default deck the migration ships."""
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from djmoney.money import Money

import billing.rating
from accounts.models import AuditLog
from billing.rating.deckfile import DeckFileInvalid
from billing.rating.models import Rate, RateDeckGeneration, RateDeckVersion
from billing.rating.selectors import deck_rows_in_effect, deck_version_rows
from billing.rating.services import rate_deck_import

from .conftest import deck_csv

DEFAULT_DECK = Path(billing.rating.__file__).parent / "data" / "default_rates.csv"
UK = "44,United Kingdom - Fixed,GB,fixed,0.0240,0.00,60,60"
UK_MOBILE = "447,United Kingdom - Mobile,GB,mobile,0.0500,0.00,60,60"


def export_command(*args):
    out = io.StringIO()
    call_command("export_rates", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- The default deck ---


def test_the_migration_ships_the_default_deck_as_the_global_deck_of_2020(db):
    version = RateDeckVersion.objects.get()

    assert (version.tenant, version.name, version.effective_from) == (None, "Default rates", datetime.date(2020, 1, 1))
    assert version.row_count == Rate.objects.filter(deck_version=version).count() == 731
    assert Rate.objects.filter(deck_version=version).values("country").distinct().count() == 109
    uk_premium = Rate.objects.get(deck_version=version, prefix="449")
    assert (uk_premium.price_per_minute, uk_premium.connection_fee) == (Money("2.7500", "USD"), Money("0.25", "USD"))
    assert RateDeckGeneration.objects.filter(pk=RateDeckGeneration.SINGLETON_ID).exists()


def test_exporting_the_default_deck_gives_back_the_shipped_file_byte_for_byte(db):
    assert export_command() == DEFAULT_DECK.read_text()


# --- Import: all or nothing ---


def test_a_valid_file_becomes_one_version_with_its_rows(import_deck, day_ahead, billing_admin, tenant):
    version = import_deck(UK, UK_MOBILE, effective_from=day_ahead(3), tenant=tenant, name="Contoso rates",
                          actor=billing_admin)

    assert (version.name, version.row_count, version.tenant, version.imported_by) == (
        "Contoso rates", 2, tenant, billing_admin)
    assert version.imported_by_label == billing_admin.upn
    assert version.source_file_name == "test.csv"
    mobile = version.rates.get(prefix="447")
    assert (mobile.number_type, mobile.price_per_minute, mobile.first_increment) == ("mobile", Money("0.05", "USD"), 60)


def test_a_file_with_one_bad_line_imports_nothing(import_deck, day_ahead):
    versions_before, rates_before = RateDeckVersion.objects.count(), Rate.objects.count()
    token_before = RateDeckGeneration.objects.get().token

    with pytest.raises(DeckFileInvalid) as caught:
        import_deck(UK, UK_MOBILE, "4420,London,GB,fixed,abc,0.00,60,60", effective_from=day_ahead(3))

    assert [str(p) for p in caught.value.problems] == [
        "line 4, column price_per_minute: 'abc' is not a decimal amount (write it like 0.0240, with a point and no "
        "currency sign)"]
    assert (RateDeckVersion.objects.count(), Rate.objects.count()) == (versions_before, rates_before)
    assert RateDeckGeneration.objects.get().token == token_before


def test_the_same_rates_twice_for_the_same_date_are_refused(import_deck, day_ahead):
    first = import_deck(UK, UK_MOBILE, effective_from=day_ahead(5), name="March deck")

    with pytest.raises(ValidationError) as caught:
        # Reordered and reformatted, but the same rates.
        import_deck("447,United Kingdom - Mobile,GB,mobile,0.05,0,60,60", UK, effective_from=day_ahead(5))

    message = caught.value.message_dict["file"][0]
    assert message.startswith("These rates are already imported as 'March deck', effective ")
    assert message.endswith("Nothing was imported.")
    assert RateDeckVersion.objects.filter(tenant=None, effective_from=day_ahead(5)).get() == first


def test_the_same_rates_may_be_imported_for_another_date_or_another_tenant(import_deck, day_ahead, tenant):
    first = import_deck(UK, effective_from=day_ahead(5))
    import_deck(UK, effective_from=day_ahead(6))
    import_deck(UK, effective_from=day_ahead(5), tenant=tenant)

    assert RateDeckVersion.objects.filter(content_hash=first.content_hash).count() == 3


def test_the_database_refuses_a_duplicate_version_even_without_the_service(import_deck, day_ahead):
    version = import_deck(UK, effective_from=day_ahead(5))

    with pytest.raises(IntegrityError), transaction.atomic():
        RateDeckVersion.objects.create(name="copy", effective_from=version.effective_from, row_count=1,
                                       content_hash=version.content_hash, imported_by_label="x")


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("prefix", "", "rating_rate_prefix_not_empty"),
        ("price_per_minute", Decimal("-0.01"), "rating_rate_price_not_negative"),
        ("connection_fee", Decimal("-0.01"), "rating_rate_connection_fee_not_negative"),
        ("first_increment", 0, "rating_rate_first_increment_positive"),
        ("increment", 0, "rating_rate_increment_positive"),
        ("number_type", "unknown", "rating_rate_number_type_known"),
    ],
)
def test_the_database_refuses_impossible_rates(import_deck, day_ahead, field, value, constraint):
    version = import_deck(UK, effective_from=day_ahead(5))
    fields = {"deck_version": version, "prefix": "4420", "destination": "x", "country": "GB", "number_type": "fixed",
              "price_per_minute": Decimal("0.01"), "connection_fee": Decimal("0"), field: value}

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Rate.objects.create(**fields)


def test_a_second_row_with_the_same_prefix_in_a_version_is_refused_by_the_database(import_deck, day_ahead):
    version = import_deck(UK, effective_from=day_ahead(5))

    with pytest.raises(IntegrityError), transaction.atomic():
        Rate.objects.create(deck_version=version, prefix="44", destination="again", country="GB", number_type="fixed",
                            price_per_minute=Decimal("0.01"), connection_fee=Decimal("0"))


def test_a_date_in_the_past_is_refused_and_today_is_allowed(import_deck, day_ahead):
    with pytest.raises(ValidationError) as caught:
        import_deck(UK, effective_from=day_ahead(-1))
    assert "is in the past" in caught.value.message_dict["effective_from"][0]

    assert import_deck(UK, effective_from=day_ahead(0)).effective_from == day_ahead(0)


def test_a_name_is_made_from_the_file_when_none_is_given(import_deck, day_ahead):
    version = import_deck(UK, effective_from=day_ahead(2), source_file_name="carrier-rates.csv")

    assert version.name == f"carrier-rates {day_ahead(2):%Y-%m-%d}"


def test_every_import_changes_the_generation_token(import_deck, day_ahead):
    tokens = {RateDeckGeneration.objects.get().token}
    import_deck(UK, effective_from=day_ahead(1))
    tokens.add(RateDeckGeneration.objects.get().token)
    import_deck(UK_MOBILE, effective_from=day_ahead(1))
    tokens.add(RateDeckGeneration.objects.get().token)

    assert len(tokens) == 3


def test_a_tenant_import_is_audited_in_that_tenant(import_deck, day_ahead, tenant, billing_admin):
    version = import_deck(UK, effective_from=day_ahead(1), tenant=tenant, actor=billing_admin, name="Ours")

    entry = AuditLog.objects.get(tenant=tenant, action="rates.import")
    assert (entry.actor, entry.target_id) == (billing_admin, str(version.pk))
    assert entry.after == {"name": "Ours", "effective_from": day_ahead(1).isoformat(), "rates": 1,
                           "source_file_name": "test.csv"}


def test_an_import_in_an_outer_transaction_is_refused_rather_than_half_committed(db, day_ahead):
    # The service owns its transaction (durable): nesting it would let a caller's rollback undo a
    # version that other processes may already have been told about.
    with pytest.raises(RuntimeError), transaction.atomic():
        rate_deck_import(content=deck_csv(UK), effective_from=day_ahead(1))


# --- The command and export ---


def test_import_rates_round_trips_with_export_rates(db, tmp_path, day_ahead, tenant):
    source = tmp_path / "contoso.csv"
    source.write_text("prefix,destination,country,number_type,price_per_minute,connection_fee\n"
                      "447,UK mobile,GB,mobile,0.05,0.10\n44,UK,GB,fixed,0.024,0\n")
    out = io.StringIO()

    call_command("import_rates", str(source), "--effective", day_ahead(4).isoformat(), "--tenant", "CONTOSO.TEST",
                 "--name", "Contoso deck", stdout=out)

    version = RateDeckVersion.objects.get(tenant=tenant)
    assert out.getvalue().strip() == (f"Imported 2 rates as 'Contoso deck' (version {version.pk}) for contoso.test, "
                                      f"effective {day_ahead(4):%Y-%m-%d}.")
    exported = export_command("--deck-version", str(version.pk))
    assert exported == ("prefix,destination,country,number_type,price_per_minute,connection_fee,first_increment,increment\n"
                        "44,UK,GB,fixed,0.0240,0.00,60,60\n447,UK mobile,GB,mobile,0.0500,0.10,60,60\n")

    again = tmp_path / "again.csv"
    again.write_text(exported)
    call_command("import_rates", str(again), "--effective", day_ahead(9).isoformat(), "--tenant", "contoso.test",
                 stdout=io.StringIO())
    copy = RateDeckVersion.objects.get(tenant=tenant, effective_from=day_ahead(9))
    assert copy.content_hash == version.content_hash
    assert deck_version_rows(version=copy) == deck_version_rows(version=version)


def test_import_rates_prints_every_problem_and_imports_nothing(db, tmp_path, day_ahead):
    source = tmp_path / "bad.csv"
    source.write_bytes(deck_csv(UK, "447,UK mobile,GB,cell,0.05,0.00,60,60", "4420,London,GB,fixed,abc,0.00,60,60"))
    err = io.StringIO()

    with pytest.raises(CommandError, match="The rate file has 2 problems; nothing was imported."):
        call_command("import_rates", str(source), "--effective", day_ahead(1).isoformat(), stderr=err)

    assert err.getvalue().splitlines() == [
        "bad.csv: line 3, column number_type: 'cell' is not a number type (fixed, mobile, toll-free, premium, shared-cost)",
        "bad.csv: line 4, column price_per_minute: 'abc' is not a decimal amount (write it like 0.0240, with a point and "
        "no currency sign)",
    ]
    assert RateDeckVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--effective", "2026-13-01"], "--effective '2026-13-01' is not a date; write it as YYYY-MM-DD."),
        (["--effective", "2099-01-01", "--tenant", "nowhere.example"], "No tenant has the domain 'nowhere.example'."),
        (["--effective", "2001-01-01"], "2001-01-01 is in the past."),
    ],
)
def test_import_rates_refuses_bad_arguments_by_name(db, tmp_path, args, message):
    source = tmp_path / "ok.csv"
    source.write_bytes(deck_csv(UK))

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("import_rates", str(source), *args, stdout=io.StringIO())


def test_import_rates_names_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing.csv: No such file or directory."):
        call_command("import_rates", str(tmp_path / "missing.csv"), "--effective", "2099-01-01")


def test_the_rates_in_effect_for_a_tenant_are_the_global_rows_with_its_own_in_their_place(import_deck, tenant, day_ahead):
    import_deck("447,Contoso UK mobile,GB,mobile,0.0300,0.00,60,60", "4420,Contoso London,GB,fixed,0.0100,0.00,60,60",
                effective_from=day_ahead(0), tenant=tenant)

    rows = {row.prefix: row for row in deck_rows_in_effect(tenant=tenant)}

    assert len(rows) == 732
    assert rows["447"].destination == "Contoso UK mobile"
    assert rows["4420"].price_per_minute == Decimal("0.0100")
    assert rows["44"].destination == "United Kingdom - Fixed"
    assert len(deck_rows_in_effect(tenant=None)) == 731
