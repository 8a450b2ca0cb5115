"""notification_send: once per tenant, event and period; disabled events; delivery after commit; render failures."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import AuditLog, Tenant
from billing.notifications import services
from billing.notifications.events import Event
from billing.notifications.models import EmailLog, Notification
from billing.notifications.services import SendOutcome, notification_send, notification_settings_update
from tests.concurrency import race

from .conftest import EVENT_CASES

RECHARGE = EVENT_CASES[Event.RECHARGE_SUCCEEDED][0]


def test_send_records_one_row_per_recipient_and_delivers_after_commit(tenant, recipients, send):
    result = send(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context=RECHARGE, period_key="recharge-41")
    assert result.outcome == SendOutcome.QUEUED
    assert sorted(row.to for row in result) == ["billing@contoso.test", "global@contoso.test"]
    assert sorted(m.to[0] for m in mail.outbox) == ["billing@contoso.test", "global@contoso.test"]
    message = mail.outbox[0]
    assert message.subject == "Contoso Test: Auto-recharge added $500.00 to Communications Credits"
    assert message.alternatives[0].mimetype == "text/html" and "$712.45" in message.alternatives[0].content
    assert "$712.45" in message.body and message.extra_headers["Auto-Submitted"] == "auto-generated"
    rows = EmailLog.objects.filter(tenant=tenant)
    assert {(r.status, r.attempts, r.event) for r in rows} == {("sent", 1, "recharge_succeeded")}
    assert all(r.sent_at and r.html_body and r.text_body for r in rows)


def test_a_repeated_call_for_the_same_period_returns_the_first_rows_and_sends_nothing(tenant, recipients, send):
    first = send(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context=RECHARGE, period_key="recharge-41")
    again = send(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context=RECHARGE, period_key="recharge-41")
    assert again.outcome == SendOutcome.DUPLICATE
    assert [r.pk for r in again] == sorted(r.pk for r in first)
    assert len(mail.outbox) == 2 and EmailLog.objects.count() == 2 and Notification.objects.count() == 1


def test_another_period_or_event_or_tenant_is_sent_again(tenant, recipients, other_tenant_admin, send):
    context, _ = EVENT_CASES[Event.POOL_80]
    send(tenant=tenant, event=Event.POOL_80, context=context, period_key="pool-us:2026-11")
    send(tenant=tenant, event=Event.POOL_80, context=context, period_key="pool-us:2026-12")
    send(tenant=tenant, event=Event.POOL_100, context=context, period_key="pool-us:2026-12")
    send(tenant=other_tenant_admin.tenant, event=Event.POOL_80, context=context, period_key="pool-us:2026-11")
    assert Notification.objects.count() == 4
    assert len(mail.outbox) == 2 + 2 + 2 + 1


def test_a_disabled_event_sends_nothing_and_says_so(tenant, recipients, send, global_admin):
    notification_settings_update(tenant=tenant, actor=global_admin,
                                 enabled_events=[e for e in Event.values if e not in ("low_balance", "test")])
    result = send(tenant=tenant, event=Event.LOW_BALANCE, context=EVENT_CASES[Event.LOW_BALANCE][0], period_key="500:2026-11")
    assert result.outcome == SendOutcome.DISABLED and list(result) == []
    assert not mail.outbox and not Notification.objects.exists()
    # other events still go out
    result = send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
    assert result.outcome == SendOutcome.QUEUED and len(mail.outbox) == 2


def test_a_tenant_without_recipients_records_nothing(tenant, send):
    result = send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
    assert result.outcome == SendOutcome.NO_RECIPIENTS and not Notification.objects.exists()


def test_delivery_waits_for_the_callers_commit_and_is_dropped_on_rollback(tenant, recipients, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
            assert not mail.outbox  # nothing leaves before the commit
            raise RuntimeError("the recharge failed after the email was recorded")
    assert callbacks == [] and not mail.outbox and not EmailLog.objects.exists()


def test_unknown_events_and_blank_periods_are_programming_errors(tenant, recipients):
    with pytest.raises(ValueError):
        notification_send(tenant=tenant, event="recharge_exploded", context={}, period_key="x")
    with pytest.raises(ValueError, match="period_key"):
        notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="  ")


def test_a_template_error_is_logged_as_failed_and_nothing_is_sent(tenant, recipients, send, broken_test_template):
    result = send(tenant=tenant, event=Event.TEST, context={}, period_key="test-1")
    assert result.outcome == SendOutcome.RENDER_FAILED
    assert not mail.outbox
    rows = list(EmailLog.objects.all())
    assert len(rows) == 2
    for row in rows:
        assert row.status == "failed" and row.attempts == 0
        assert "TemplateDoesNotExist" in row.error and "no_such_part.html" in row.error
        assert row.html_body == "" and row.text_body == "" and row.subject == "Test email"


def test_a_template_error_leaves_the_callers_transaction_usable(tenant, recipients, broken_test_template,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Tenant.objects.filter(pk=tenant.pk).update(name="Contoso Renamed")
        result = notification_send(tenant=tenant, event=Event.TEST, context={}, period_key="test-1")
        AuditLog.objects.create(tenant=tenant, actor_label="System", action="recharge.succeeded")
    assert result.outcome == SendOutcome.RENDER_FAILED
    assert Tenant.objects.get(pk=tenant.pk).name == "Contoso Renamed"
    assert AuditLog.objects.filter(action="recharge.succeeded").count() == 1
    assert not mail.outbox


def test_a_missing_fact_is_a_failed_row_naming_the_fact(tenant, recipients, send):
    result = send(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context={"amount": RECHARGE["amount"]},
                  period_key="recharge-42")
    assert result.outcome == SendOutcome.RENDER_FAILED
    assert "needs new_balance, invoice_number" in result[0].error and not mail.outbox


def test_losing_the_insert_race_returns_the_winners_rows_inside_the_callers_transaction(tenant, recipients, monkeypatch,
                                                                                       django_capture_on_commit_callbacks):
    winner = services.notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
    real_lookup = services._earlier_send
    calls = []

    def lookup_that_misses_once(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_lookup(*args)

    monkeypatch.setattr(services, "_earlier_send", lookup_that_misses_once)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        loser = services.notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
        Tenant.objects.filter(pk=tenant.pk).update(name="Still usable")  # the caller's transaction survived
    assert loser.outcome == SendOutcome.DUPLICATE and [r.pk for r in loser] == sorted(r.pk for r in winner)
    assert len(calls) == 2 and EmailLog.objects.count() == 2 and not mail.outbox
    assert Tenant.objects.get(pk=tenant.pk).name == "Still usable"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_period_record_it_once(tenant, recipients):
    def send(index):
        result = notification_send(tenant=tenant, event=Event.BALANCE_ZERO, context={}, period_key="2026-11")
        return result.outcome, sorted(r.pk for r in result)

    outcome = race(4, send)
    assert outcome.errors == []
    outcomes = outcome.results
    assert Notification.objects.count() == 1 and EmailLog.objects.count() == 2
    assert [o for o, _ in outcomes].count(SendOutcome.QUEUED) == 1
    assert len({tuple(pks) for _, pks in outcomes}) == 1
