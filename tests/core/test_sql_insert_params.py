"""core.sql writes some plain values without get_db_prep_save (_insert_params): it must write exactly what
get_db_prep_save would, value and type, for every column of the models the call path inserts."""
import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import User
from billing.credits.models import LedgerEntry, Reservation
from billing.rating.models import CallAuthorization
from core import sql

UTC = datetime.UTC
AT = datetime.datetime(2027, 3, 1, 12, 30, tzinfo=UTC)


def _django_params(instance):
    _, fields = sql._insert_sql(type(instance), connection.vendor)
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _plain(values):
    return [getattr(value, "obj", value) for value in values]  # psycopg's Jsonb compares by identity


def _same(instance):
    ours, theirs = sql._insert_params(instance, connection), _django_params(instance)
    assert _plain(ours) == _plain(theirs)
    assert [type(v) for v in ours] == [type(v) for v in theirs]
    return ours


def _entry(**changes):
    fields = {"account_id": 7, "kind": "call_charge", "amount": Decimal("-0.07"), "balance_after": Decimal("9.93"),
              "idempotency_key": "call_charge:c1", "created_at": AT, "call_id": "c1", "memo": "", "reference": "",
              "actor_label": "System", "chain_hash": "ab" * 32, "actor_id": None, "lot_id": None, "purchase_id": None}
    return LedgerEntry(**{**fields, **changes})


@pytest.mark.django_db
def test_a_call_charge_is_written_as_django_writes_it():
    params = _same(_entry())
    assert "c1" in params and "call_charge:c1" in params


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [
    {"kind": LedgerEntry.Kind.CALL_CHARGE},  # a str subclass (TextChoices) takes Django's path
    {"amount": -7},  # an int for a DecimalField
    {"amount": "-0.07"},  # a str for a DecimalField
    {"created_at": datetime.datetime(2027, 3, 1, 12, 30)},  # naive: Django makes it aware (with a warning)
    {"created_at": AT.astimezone(datetime.timezone(datetime.timedelta(hours=-8)))},
    {"account_id": True},  # a bool is not an int here
    {"lot_id": 12, "purchase_id": 3, "actor_id": uuid.UUID(int=5)},
])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_values_of_other_types_take_djangos_own_path(changes):
    _same(_entry(**changes))


@pytest.mark.django_db
def test_a_reservation_an_authorization_and_a_user_are_written_as_django_writes_them():
    _same(Reservation(account_id=3, call_id="c2", amount=Decimal("1.50"), expires_at=AT, created_at=AT))
    _same(CallAuthorization(tenant_id=uuid.UUID(int=9), call_id="c3", call_type="user_out", callee_number="+14255550100",
                            start_at=AT, capability="MCOPSTN1", max_duration_seconds=3600, expires_at=AT,
                            authorized_at=AT, details={"rate": None}, pool_minutes_held=0,
                            credit_amount_reserved=Decimal("0.00")))
    _same(User(id=uuid.uuid4(), tenant_id=uuid.UUID(int=9), upn="a@b.test", display_name="A", password="!"))


@pytest.mark.django_db
def test_a_decimal_that_is_not_a_number_is_refused_as_django_refuses_it():
    with pytest.raises(ValidationError):
        sql._insert_params(_entry(amount=Decimal("NaN")), connection)
    with pytest.raises(ValidationError):
        sql._insert_params(_entry(amount=Decimal("Infinity")), connection)


@pytest.mark.django_db
def test_postgresql_skips_get_db_prep_save_for_plain_values():
    if connection.vendor != "postgresql":
        pytest.skip("the direct path is PostgreSQL's; elsewhere every value takes Django's")
    fast = {attname for attname, kind, _, _ in sql._preppers(LedgerEntry, "postgresql") if kind is not None}
    assert {"kind", "amount", "created_at", "call_id", "account_id"} <= fast


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name", "value"), [
    (LedgerEntry, "account", 7), (LedgerEntry, "amount", Decimal("1.10")), (LedgerEntry, "amount", 3),
    (LedgerEntry, "created_at", AT), (LedgerEntry, "call_id", "c9"), (CallAuthorization, "tenant", uuid.UUID(int=4)),
    (CallAuthorization, "max_duration_seconds", 60), (CallAuthorization, "details", {"a": 1}),
    (CallAuthorization, "status", CallAuthorization.Status.HELD), (Reservation, "expires_at", AT),
])
def test_db_value_gives_what_get_db_prep_save_gives(model, name, value):
    field = model._meta.get_field(name)
    ours, theirs = sql.db_value(model, name, value), field.get_db_prep_save(value, connection)
    assert _plain([ours]) == _plain([theirs]) and type(ours) is type(theirs)
