"""The monthly run: last month's statement for every tenant with credit activity, once, each tenant on its own;
and the operator's issue_statements command."""
import logging
from datetime import date
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from celery.schedules import crontab
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from billing.invoices import services
from billing.invoices.models import Invoice
from billing.invoices.schedule import BEAT_SCHEDULE
from billing.invoices.statements import StatementData
from billing.invoices.tasks import issue_monthly_statements, previous_month
from tests.factories import TenantFactory
from tests.invoices.factories import build_march_2026, card_on_file, fund

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


@pytest.fixture
def worker_like_retries():
    """With eager propagation off, apply() retries at once, the way a worker would after the countdown."""
    conf = issue_monthly_statements.app.conf
    before = conf.task_eager_propagates
    conf.update(task_eager_propagates=False)
    yield
    conf.update(task_eager_propagates=before)


@pytest.fixture
def three_tenants(tenant, other_tenant, clock, billing_admin, other_tenant_admin):
    """Contoso with a busy March, Fabrikam funded in February, and Northwind with no credits at all."""
    build_march_2026(tenant, clock, billing_admin)
    clock.at(2026, 2, 3, 9)
    fund(other_tenant, card_on_file(other_tenant, other_tenant_admin), "100", key="fabrikam", actor=other_tenant_admin)
    TenantFactory(name="Northwind Test", initial_domain="northwind.test")
    clock.at(2026, 4, 1, 2)
    return tenant, other_tenant


def _statements():
    return sorted(Invoice.objects.filter(kind="statement").values_list("tenant__initial_domain", "period_start"))


def test_the_task_issues_last_months_statement_for_every_tenant_with_credits_once(three_tenants):
    first = issue_monthly_statements.delay().get()
    again = issue_monthly_statements.delay().get()

    assert first == {"month": "2026-03-01", "issued": 2, "existing": 0}
    assert again == {"month": "2026-03-01", "issued": 0, "existing": 2}
    assert _statements() == [("contoso.test", MARCH), ("fabrikam.test", MARCH)]
    fabrikam = StatementData.from_json(Invoice.objects.get(tenant=three_tenants[1], kind="statement").snapshot.data)
    assert fabrikam == StatementData.empty(balance=Decimal("100.00"))


def test_a_tenant_whose_credits_began_after_the_month_gets_no_statement_for_it(tenant, other_tenant, clock,
                                                                                billing_admin, other_tenant_admin):
    clock.at(2026, 3, 20, 9)
    fund(tenant, card_on_file(tenant, billing_admin), "100", key="contoso", actor=billing_admin)
    clock.at(2026, 4, 1, 0, 30)
    fund(other_tenant, card_on_file(other_tenant, other_tenant_admin), "100", key="fabrikam", actor=other_tenant_admin)
    clock.at(2026, 4, 1, 2)

    assert issue_monthly_statements.delay().get()["issued"] == 1
    assert _statements() == [("contoso.test", MARCH)]


def test_one_tenant_failing_is_logged_and_the_others_get_their_statement(three_tenants, caplog, worker_like_retries):
    contoso, fabrikam = three_tenants
    real = services.statement_data_for

    def broken_for_contoso(*, tenant, month):
        if tenant.pk == contoso.pk:
            raise ValidationError({"usage_by_user": "totals 1.00 but usage by country totals 2.00."})
        return real(tenant=tenant, month=month)

    with caplog.at_level(logging.ERROR), mock.patch.object(services, "statement_data_for", side_effect=broken_for_contoso):
        result = issue_monthly_statements.apply()

    assert result.failed() and "contoso.test" in str(result.result)
    assert _statements() == [("fabrikam.test", MARCH)]
    failures = [r for r in caplog.records if "could not be issued" in r.getMessage()]
    # tried once and again at each of the three retries; Fabrikam was issued on the first run only
    assert len(failures) == issue_monthly_statements.max_retries + 1
    assert "Contoso Test (contoso.test)" in failures[0].getMessage()
    # the traceback goes with it (ops/logs.py formats and redacts it once, into exc_text)
    assert failures[0].exc_info or "ValidationError" in (failures[0].exc_text or "")


def test_a_tenant_that_failed_once_is_issued_when_the_task_retries(three_tenants, worker_like_retries):
    contoso, _ = three_tenants
    real = services.statement_data_for
    calls = []

    def fails_first_time_for_contoso(*, tenant, month):
        calls.append(tenant.initial_domain)
        if tenant.pk == contoso.pk and calls.count("contoso.test") == 1:
            raise OSError("connection reset")
        return real(tenant=tenant, month=month)

    with mock.patch.object(services, "statement_data_for", side_effect=fails_first_time_for_contoso):
        result = issue_monthly_statements.apply()

    assert result.successful() and result.result == {"month": "2026-03-01", "issued": 1, "existing": 1}
    assert calls == ["contoso.test", "fabrikam.test", "contoso.test"]
    assert _statements() == [("contoso.test", MARCH), ("fabrikam.test", MARCH)]


def test_the_task_is_scheduled_at_two_on_the_first_of_each_month():
    entry = BEAT_SCHEDULE["invoices-issue-monthly-statements"]
    assert entry["task"] == issue_monthly_statements.name
    assert entry["schedule"] == crontab(minute=0, hour=2, day_of_month=1)


@pytest.mark.parametrize(("today", "month"), [(date(2026, 4, 1), date(2026, 3, 1)), (date(2026, 1, 1), date(2025, 12, 1)),
                                              (date(2026, 3, 31), date(2026, 2, 1))])
def test_last_month_is_the_month_before_today(today, month):
    assert previous_month(today) == month


def test_the_command_issues_one_tenants_month(three_tenants):
    out = StringIO()
    call_command("issue_statements", "--month", "2026-03", "--tenant", "fabrikam.test", stdout=out)
    assert "Fabrikam Test (fabrikam.test): issued Statement G000000002, usage charges 0.00 USD." in out.getvalue()
    assert "March 2026: 1 issued, 0 already issued, 0 failed." in out.getvalue()
    assert _statements() == [("fabrikam.test", MARCH)]


def test_the_command_for_every_tenant_leaves_issued_statements_as_they_are(three_tenants):
    call_command("issue_statements", "--month", "2026-03", "--tenant", "fabrikam.test", stdout=StringIO())
    out = StringIO()
    call_command("issue_statements", "--month", "2026-03", stdout=out)
    assert "Contoso Test (contoso.test): issued Statement G000000004" in out.getvalue()
    assert "Fabrikam Test (fabrikam.test): already issued." in out.getvalue()
    assert "March 2026: 1 issued, 1 already issued, 0 failed." in out.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["--month", "2026-13"], "--month '2026-13' is not a month: write it as YYYY-MM"),
    (["--month", "March"], "--month 'March' is not a month"),
    (["--month", "2026-04"], "month: The statement for April 2026 can be issued from 01 May 2026"),
    (["--month", "2026-03", "--tenant", "nowhere.test"], "No tenant has the domain 'nowhere.test'."),
])
def test_the_command_names_what_is_wrong(three_tenants, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_statements", *args, stdout=StringIO())
    assert not Invoice.objects.filter(kind="statement").exists()


def test_the_command_fails_loudly_when_a_tenant_fails(three_tenants):
    with mock.patch.object(services, "statement_data_for", side_effect=OSError("disk full")):
        err = StringIO()
        with pytest.raises(CommandError, match="March 2026: 0 issued, 0 already issued, 2 failed."):
            call_command("issue_statements", "--month", "2026-03", stdout=StringIO(), stderr=err)
    assert "Contoso Test (contoso.test): failed: OSError: disk full" in err.getvalue()
