"""Every event's email: subject, facts in HTML and plain text, links to the right page, escaping, refusals."""
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.urls import NoReverseMatch

from billing.notifications.events import SPECS, Event
from billing.notifications.rendering import MissingContext, Recipient, render_email

from .conftest import EVENT_CASES

RECIPIENT = Recipient(email="bill@contoso.test", name="Bill Billing", reason="you're a Billing admin of Contoso Test")

SUBJECTS = {
    Event.RECHARGE_SUCCEEDED: "Contoso Test: Auto-recharge added $500.00 to Communications Credits",
    Event.RECHARGE_FAILED: "Action required: Auto-recharge of $500.00 failed for Contoso Test",
    Event.AUTO_RECHARGE_PAUSED: "Action required: Auto-recharge is paused for Contoso Test",
    Event.AUTO_RECHARGE_CAPPED: "Action required: Auto-recharge of Contoso Test reached its monthly limit of $1,000",
    Event.BALANCE_ZERO: "Action required: The Communications Credits balance of Contoso Test is $0.00",
    Event.LOW_BALANCE: "Contoso Test: Communications Credits balance is below $500",
    Event.POOL_80: "Contoso Test: 80% of the Domestic Calling Plan (United States) minutes are used",
    Event.POOL_100: "Contoso Test: All Audio Conferencing dial-out minutes are used",
    Event.FUNDS_EXPIRING: "Contoso Test: $300.00 of Communications Credits expire on Dec 1, 2026",
    Event.SPEND_LIMIT_80: "Contoso Test: Avery Adams has used 80% of their calling spend limit",
    Event.SPEND_LIMIT_100: "Contoso Test: Avery Adams reached their calling spend limit",
    Event.SPEND_ANOMALY: "Contoso Test: unusual calling spend to United Kingdom on Jun 17, 2026",
    Event.WEBHOOK_DISABLED: "Contoso Test: webhook endpoint https://hooks.contoso.test/billing was disabled",
    Event.TEST: "Test email: Billing notifications for Contoso Test",
    Event.PURCHASE_SUCCEEDED: "Contoso Test: $200.00 of Communications Credits bought, invoice G000000007",
}


def test_every_event_has_a_test_case_and_a_subject():
    assert set(EVENT_CASES) == set(Event) == set(SUBJECTS) == set(SPECS)


@pytest.mark.parametrize("event", list(Event), ids=lambda e: e.value)
def test_each_event_renders_its_subject_and_facts_in_html_and_text(tenant, event):
    context, facts = EVENT_CASES[event]
    email = render_email(tenant=tenant, event=event, context=context, recipient=RECIPIENT)
    assert email.subject == SUBJECTS[event]
    html = unescape(email.html)
    for fact in facts:
        assert fact in email.text, f"{fact!r} missing from the plain text"
        assert fact in html, f"{fact!r} missing from the HTML"
    for body in (html, email.text):
        assert "Contoso Test" in body and "Hello Bill Billing" in body
        assert "you're a Billing admin of Contoso Test" in body
        assert "http://testserver.example/billing/notifications/" in body  # footer: manage these emails
    assert "<table" in email.html and 'style="' in email.html and "<html" not in email.text
    assert SPECS[event].button in email.html and SPECS[event].button in email.text


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver.example/"


def test_button_links_to_the_events_default_page_as_an_absolute_url(tenant):
    context, _ = EVENT_CASES[Event.TEST]
    email = render_email(tenant=tenant, event=Event.TEST, context=context, recipient=RECIPIENT)
    assert 'href="http://testserver.example/billing/notifications/"' in email.html
    assert "Open Billing notifications: http://testserver.example/billing/notifications/" in email.text


def test_button_falls_back_to_home_while_the_default_page_is_not_installed(tenant):
    context, _ = EVENT_CASES[Event.LOW_BALANCE]
    email = render_email(tenant=tenant, event=Event.LOW_BALANCE, context=context, recipient=RECIPIENT)
    from accounts.navigation import url_or_none

    expected = url_or_none("billing:credits") or "/"
    assert f"Add funds: http://testserver.example{expected}\n" in email.text


def test_url_name_in_the_context_points_the_button_at_that_page(tenant):
    context = {**EVENT_CASES[Event.RECHARGE_SUCCEEDED][0], "url_name": "notifications:email_detail",
               "url_kwargs": {"email_id": 7}}
    email = render_email(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context=context, recipient=RECIPIENT)
    assert "View invoice: http://testserver.example/billing/notifications/email-log/7/" in email.text


def test_a_url_name_that_does_not_exist_is_an_error_not_a_link_to_nowhere(tenant):
    context = {**EVENT_CASES[Event.TEST][0], "url_name": "billing:no_such_page"}
    with pytest.raises(NoReverseMatch):
        render_email(tenant=tenant, event=Event.TEST, context=context, recipient=RECIPIENT)


def test_missing_facts_are_refused_and_named(tenant):
    with pytest.raises(MissingContext, match="needs amount, invoice_number"):
        render_email(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context={"new_balance": Decimal("1")},
                     recipient=RECIPIENT)


def test_a_float_amount_is_refused_rather_than_printed(tenant):
    with pytest.raises(TypeError, match="not float"):
        render_email(tenant=tenant, event=Event.LOW_BALANCE, context={"balance": 480.25, "level": 500},
                     recipient=RECIPIENT)


def test_a_date_that_is_not_a_date_is_refused(tenant):
    with pytest.raises(TypeError, match="A date was expected"):
        render_email(tenant=tenant, event=Event.FUNDS_EXPIRING,
                     context={"amount": Decimal("5"), "expires_on": "2026-12-01"}, recipient=RECIPIENT)


def test_html_in_facts_is_escaped_in_html_and_kept_in_plain_text(tenant):
    context = {"amount": Decimal("500"), "reason": "<b>Card</b> & bank said no"}
    email = render_email(tenant=tenant, event=Event.RECHARGE_FAILED, context=context, recipient=RECIPIENT)
    assert "&lt;b&gt;Card&lt;/b&gt; &amp; bank said no" in email.html and "<b>Card</b>" not in email.html
    assert "Reason: <b>Card</b> & bank said no" in email.text


def test_the_greeting_has_no_name_for_extra_addresses(tenant):
    extra = Recipient(email="ap@contoso.test", name="", reason="your address was added")
    email = render_email(tenant=tenant, event=Event.TEST, context={}, recipient=extra)
    assert "Hello,\n" in email.text and "This test was sent from Billing notifications" in email.text


def test_money_amounts_accept_money_objects(tenant):
    from djmoney.money import Money

    context = {"amount": Money("1500", "USD"), "new_balance": Money("1712.5", "USD"), "invoice_number": "G1"}
    email = render_email(tenant=tenant, event=Event.RECHARGE_SUCCEEDED, context=context, recipient=RECIPIENT)
    assert "Amount added: $1,500.00" in email.text and "New balance: $1,712.50" in email.text


def test_plain_text_has_no_runs_of_blank_lines(tenant):
    for event, (context, _) in EVENT_CASES.items():
        text = render_email(tenant=tenant, event=event, context=context, recipient=RECIPIENT).text
        assert "\n\n\n" not in text and not any(line != line.rstrip() for line in text.splitlines()), event
    assert not mail.outbox
