"""core/sql.py: the hot path's plain SQL reads and writes rows exactly as the ORM does, on SQLite and PostgreSQL."""
import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant, User
from billing.credits.models import CreditAccount, Reservation
from billing.notifications.models import NotificationSettings
from core import sql

pytestmark = pytest.mark.django_db


def attributes(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.fixture
def reservation(tenant):
    account = CreditAccount.objects.create(tenant=tenant, balance=Decimal("12.34"))
    return Reservation.objects.create(account=account, call_id="call-1", amount=Decimal("0.07"),
                                      expires_at=timezone.now() + datetime.timedelta(minutes=5))


def test_fetch_reads_uuids_decimals_datetimes_and_json_as_the_orm_does(tenant, reservation):
    NotificationSettings.objects.create(tenant=tenant, low_balance_levels=[50, 10])
    for model, pk in ((Tenant, tenant.pk), (Reservation, reservation.pk),
                      (NotificationSettings, tenant.pk)):
        pk_name = model._meta.pk.name
        found = sql.fetch_one(model, f"{sql.column(model, pk_name)} = %s", [sql.db_value(model, pk_name, pk)])
        assert attributes(found) == attributes(model.objects.get(pk=pk))
        assert found._state.adding is False


def test_fetch_finds_nothing_and_locks_inside_a_transaction(tenant, reservation):
    where = f"{sql.column(Reservation, 'call_id')} = %s"
    assert sql.fetch_one(Reservation, where, ["no-such-call"]) is None
    with transaction.atomic():
        assert sql.fetch_one(Reservation, where, ["call-1"], lock=True).pk == reservation.pk


def test_insert_applies_defaults_and_returns_the_new_primary_key(tenant, reservation):
    created = sql.insert(Reservation(account_id=reservation.account_id, call_id="call-2", amount=Decimal("1.50"),
                                     expires_at=timezone.now() + datetime.timedelta(minutes=1)))
    assert created.pk is not None and created.pk != reservation.pk
    stored = Reservation.objects.get(pk=created.pk)
    assert attributes(stored) == attributes(created)
    assert (stored.status, stored.amount) == (Reservation.Status.HELD, Decimal("1.50"))


def test_update_writes_only_the_named_fields(tenant, reservation):
    now = timezone.now()
    reservation.status, reservation.settled_at, reservation.amount = Reservation.Status.RELEASED, now, Decimal("9.99")
    sql.update(reservation, ["status", "settled_at"])
    stored = Reservation.objects.get(pk=reservation.pk)
    assert (stored.status, stored.settled_at, stored.amount) == (Reservation.Status.RELEASED, now, Decimal("0.07"))


def test_update_of_a_row_that_is_gone_raises(tenant, reservation):
    Reservation.objects.filter(pk=reservation.pk).delete()
    with pytest.raises(Reservation.DoesNotExist):
        sql.update(reservation, ["status"])


def test_columns_convert_chosen_columns_of_created_tables(tenant):
    user = User.objects.create(tenant=tenant, upn="ada@contoso.test", display_name="Ada", usage_location="GB")
    columns = sql.Columns((User, "u", "id"), (User, "u", "created_at"), (Tenant, "t", "country"))
    statement = sql.Statement(lambda: (
        f"SELECT {columns.sql} FROM {sql.table(User)} u JOIN {sql.table(Tenant)} t "
        f"ON t.{sql.column(Tenant, 'id')} = u.{sql.column(User, 'tenant')} WHERE u.{sql.column(User, 'upn')} = %s"))
    user_id, created, country = columns.convert(statement.rows(["ada@contoso.test"])[0])
    assert (user_id, created, country) == (user.pk, User.objects.get(pk=user.pk).created_at, tenant.country)
    assert isinstance(user_id, uuid.UUID) and created.tzinfo is not None
