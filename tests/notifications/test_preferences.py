"""Notification settings: events on or off, low-balance levels, language and the invoice PDF flag."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from billing.notifications.events import TOGGLEABLE_EVENTS, Event
from billing.notifications.models import NotificationSettings
from billing.notifications.selectors import event_enabled, low_balance_levels_crossed, notification_settings_for
from billing.notifications.services import notification_settings_update


def test_a_tenant_that_never_changed_anything_gets_every_event_and_no_levels(tenant):
    preferences = notification_settings_for(tenant=tenant)
    assert preferences._state.adding and not NotificationSettings.objects.exists()  # reading writes nothing
    assert all(preferences.is_enabled(event) for event in Event)
    assert preferences.low_balance_levels == [] and preferences.preferred_language == "en"
    assert preferences.attach_invoice_pdf is False


def test_switching_events_off_stores_them_and_audits_the_change(tenant, billing_admin):
    enabled = [e.value for e in TOGGLEABLE_EVENTS if e not in (Event.POOL_80, Event.FUNDS_EXPIRING)]
    notification_settings_update(tenant=tenant, actor=billing_admin, enabled_events=enabled)
    assert not event_enabled(tenant=tenant, event=Event.POOL_80)
    assert event_enabled(tenant=tenant, event=Event.POOL_100)
    entry = AuditLog.objects.get(action="notifications.settings")
    assert entry.before == {"disabled_events": []} and entry.after == {"disabled_events": ["pool_80", "funds_expiring"]}


def test_the_test_email_cannot_be_switched_off(tenant, billing_admin):
    notification_settings_update(tenant=tenant, actor=billing_admin, enabled_events=[])
    assert event_enabled(tenant=tenant, event=Event.TEST)
    with pytest.raises(ValidationError, match="'test' is not a billing notification you can turn on or off"):
        notification_settings_update(tenant=tenant, actor=billing_admin, enabled_events=["test"])


def test_saving_the_same_settings_again_writes_no_audit_row(tenant, billing_admin):
    notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=["500"])
    notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=["500", ""])
    assert AuditLog.objects.filter(action="notifications.settings").count() == 1


def test_low_balance_levels_are_whole_dollars_kept_highest_first(tenant, billing_admin):
    notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=["200", "$1,000", "", "500"])
    assert notification_settings_for(tenant=tenant).low_balance_levels == [1000, 500, 200]


@pytest.mark.parametrize("levels, message", [
    (["12.50"], "'12.50' isn't a whole number of dollars of 1 or more."),
    (["0"], "'0' isn't a whole number of dollars of 1 or more."),
    (["-5"], "'-5' isn't a whole number of dollars of 1 or more."),
    (["five hundred"], "'five hundred' isn't a whole number of dollars of 1 or more."),
    (["NaN"], "'NaN' isn't a whole number of dollars of 1 or more."),
    (["500", "500"], "$500 is entered twice."),
    (["100", "200", "300", "400"], "Set at most 3 low-balance levels."),
    (["2000000"], "$2,000,000 is above the highest level, $1,000,000."),
])
def test_bad_low_balance_levels_are_refused_with_the_value_named(tenant, billing_admin, levels, message):
    with pytest.raises(ValidationError) as caught:
        notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=levels)
    assert caught.value.message_dict == {"low_balance_levels": [message]}
    assert notification_settings_for(tenant=tenant).low_balance_levels == []


def test_a_balance_change_reports_each_level_it_went_below(tenant, billing_admin):
    notification_settings_update(tenant=tenant, actor=billing_admin, low_balance_levels=["1000", "500", "200"])
    crossed = low_balance_levels_crossed
    assert crossed(tenant=tenant, before=Decimal("1200.00"), after=Decimal("999.99")) == [1000]
    assert crossed(tenant=tenant, before=Decimal("1000.00"), after=Decimal("150.00")) == [1000, 500, 200]
    assert crossed(tenant=tenant, before=Decimal("999.99"), after=Decimal("600.00")) == []
    assert crossed(tenant=tenant, before=Decimal("150.00"), after=Decimal("1500.00")) == []  # a recharge crosses upward


def test_language_and_pdf_flag_are_stored(tenant, global_admin):
    notification_settings_update(tenant=tenant, actor=global_admin, preferred_language="en", attach_invoice_pdf=True)
    preferences = NotificationSettings.objects.get(tenant=tenant)
    assert preferences.attach_invoice_pdf is True and preferences.preferred_language == "en"
    with pytest.raises(ValidationError, match="'kk' is not a language you can choose"):
        notification_settings_update(tenant=tenant, actor=global_admin, preferred_language="kk")
