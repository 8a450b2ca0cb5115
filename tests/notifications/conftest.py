"""Fixtures of the notification tests: a context for every event, sending with on_commit run, failing mail servers."""
from datetime import date
from decimal import Decimal

import pytest

from billing.notifications.events import Event
from billing.notifications.services import notification_send

from . import backends

# Each event's context and the facts its email must state, in both the HTML and the plain text.
EVENT_CASES = {
    Event.PURCHASE_SUCCEEDED: (
        {"amount": Decimal("200.00"), "tax": Decimal("16.50"), "tax_label": "Sales tax", "total": Decimal("216.50"),
         "new_balance": Decimal("1200.00"), "invoice_number": "G000000007", "payment_method": "Visa •••• 4242",
         "expires_on": date(2027, 6, 17)},
        ["$200.00", "Sales tax", "$16.50", "$216.50", "$1,200.00", "G000000007", "Visa •••• 4242", "Jun 17, 2027"],
    ),
    Event.RECHARGE_SUCCEEDED: (
        {"amount": Decimal("500.00"), "new_balance": Decimal("712.45"), "invoice_number": "G045678912",
         "payment_method": "Visa ending 4242"},
        ["$500.00", "$712.45", "G045678912", "Visa ending 4242"],
    ),
    Event.RECHARGE_FAILED: (
        {"amount": Decimal("500.00"), "reason": "The card expired in 09/2026.", "payment_method": "Visa ending 4242",
         "balance": Decimal("187.10")},
        ["$500.00", "The card expired in 09/2026.", "Payment methods", "$187.10"],
    ),
    Event.AUTO_RECHARGE_PAUSED: (
        {"failed_attempts": 3, "reason": "The card was declined.", "balance": Decimal("42.00")},
        ["3 times in a row", "The card was declined.", "Payment methods", "Edit auto recharge settings", "$42.00"],
    ),
    Event.AUTO_RECHARGE_CAPPED: (
        {"cap": Decimal("1000"), "spent": Decimal("1000.00"), "amount": Decimal("500.00"),
         "resumes_on": date(2026, 7, 1), "balance": Decimal("180.25")},
        ["monthly limit of $1,000", "$1,000.00", "$500.00", "Jul 1, 2026", "$180.25", "Auto-recharge settings"],
    ),
    Event.BALANCE_ZERO: (
        {"auto_recharge_on": False},
        ["$0.00", "Toll-free numbers stop answering", "Audio Conferencing dial-out", "Calls beyond included minutes"],
    ),
    Event.LOW_BALANCE: (
        {"balance": Decimal("480.25"), "level": 500},
        ["$480.25", "$500"],
    ),
    Event.POOL_80: (
        {"pool_name": "Domestic Calling Plan (United States)", "used": 240000, "total": 300000, "month": "November 2026"},
        ["Domestic Calling Plan (United States)", "240,000 of 300,000 (80%)", "60,000", "November 2026"],
    ),
    Event.POOL_100: (
        {"pool_name": "Audio Conferencing dial-out", "used": 6000, "total": 6000, "month": "November 2026"},
        ["Audio Conferencing dial-out", "6,000 of 6,000 (100%)", "November 2026"],
    ),
    Event.FUNDS_EXPIRING: (
        {"amount": Decimal("300.00"), "expires_on": date(2026, 12, 1), "balance": Decimal("1250.00")},
        ["$300.00", "Dec 1, 2026", "$1,250.00"],
    ),
    Event.SPEND_LIMIT_80: (
        {"user_display_name": "Avery Adams", "user_principal_name": "avery@contoso.test", "spent": Decimal("40.00"),
         "limit": Decimal("50.00"), "month": "June 2026"},
        ["avery@contoso.test", "$40.00", "$50.00", "June 2026", "80%"],
    ),
    Event.SPEND_LIMIT_100: (
        {"user_display_name": "Avery Adams", "user_principal_name": "avery@contoso.test", "spent": Decimal("50.00"),
         "limit": Decimal("50.00"), "month": "June 2026"},
        ["avery@contoso.test", "$50.00", "June 2026", "blocked until the next month"],
    ),
    Event.SPEND_ANOMALY: (
        {"country": "GB", "country_name": "United Kingdom", "date": date(2026, 6, 17), "spent_today": Decimal("10.25"),
         "daily_average": Decimal("2.00"), "multiple": 5},
        ["United Kingdom (GB)", "$10.25", "$2.00", "5×", "Jun 17, 2026"],
    ),
    Event.WEBHOOK_DISABLED: (
        {"url": "https://hooks.contoso.test/billing", "hours": 24},
        ["https://hooks.contoso.test/billing", "24 hours", "replay"],
    ),
    Event.TEST: (
        {"sent_by": "Grace Global"},
        ["Grace Global", "Your billing notifications are working"],
    ),
}


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send(tenant=..., event=..., context=..., period_key=...) with the after-commit delivery run."""

    def go(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notification_send(**kwargs)

    return go


@pytest.fixture
def recipients(global_admin, billing_admin):
    """The tenant's two receiving admins."""
    return [global_admin, billing_admin]


@pytest.fixture
def email_backend(settings):
    """email_backend(Class) makes Django send through Class (from tests/notifications/backends.py), counters reset."""

    def use(backend):
        backend.calls = 0
        settings.EMAIL_BACKEND = f"{backend.__module__}.{backend.__qualname__}"
        return backend

    return use


@pytest.fixture
def flaky_backend(email_backend):
    return email_backend(backends.FlakyBackend)


@pytest.fixture
def eager_retries():
    """Eager tasks behave as on a worker: a retry runs the task again instead of raising Retry to the caller.

    The test settings make eager tasks propagate exceptions, and Celery propagates its Retry signal too.
    """
    from config.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.fixture
def broken_test_template(settings, tmp_path):
    """Overrides the test email's HTML template with one that fails while rendering (its subject still renders)."""
    folder = tmp_path / "notifications" / "email"
    folder.mkdir(parents=True)
    (folder / "test.html").write_text('{% extends "notifications/email/base.html" %}'
                                      '{% block intro %}{% include "notifications/email/no_such_part.html" %}{% endblock %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
