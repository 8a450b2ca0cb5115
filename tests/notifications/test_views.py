"""Billing notifications pages: roles, recipients, event switches, settings panel, test email, email log and reader."""
import uuid

import pytest
from django.core import mail
from django.urls import reverse

from billing.notifications.events import Event
from billing.notifications.models import EmailLog, ExtraRecipient, NotificationSettings
from billing.notifications.services import recipient_add

from .factories import EmailLogFactory, ExtraRecipientFactory, NotificationFactory

SETTINGS_URL = "/billing/notifications/"
LOG_URL = "/billing/notifications/email-log/"


def test_the_url_names_are_the_ones_navigation_and_emails_use():
    assert reverse("notifications:settings") == SETTINGS_URL
    assert reverse("notifications:email_log") == LOG_URL


@pytest.mark.parametrize("persona", ["global_admin", "billing_admin"])
def test_billing_and_global_admins_open_the_page_from_the_navigation(request, client_as, persona):
    body = client_as(request.getfixturevalue(persona)).get(SETTINGS_URL).content.decode()
    assert '<h1>Billing notifications</h1>' in body
    assert f'href="{SETTINGS_URL}" aria-current="page">Billing notifications' in body


@pytest.mark.parametrize("persona", ["reports_reader", "license_admin", "user_admin", "teams_comms_admin"])
@pytest.mark.parametrize("url", [SETTINGS_URL, LOG_URL])
def test_other_roles_get_403(request, client_as, persona, url):
    assert client_as(request.getfixturevalue(persona)).get(url).status_code == 403


def test_a_reports_reader_cannot_post_either(client_as, reports_reader, tenant):
    client = client_as(reports_reader)
    assert client.post(reverse("notifications:recipient_add"), {"email": "ap@contoso.com"}).status_code == 403
    assert client.post(reverse("notifications:test_email"), {"request_id": str(uuid.uuid4())}).status_code == 403
    assert not ExtraRecipient.objects.exists() and not EmailLog.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_the_page_lists_the_admins_and_the_other_recipients(client_as, tenant, global_admin, billing_admin):
    ExtraRecipientFactory(tenant=tenant, email="ap@contoso.com")
    ExtraRecipientFactory(email="not-ours@fabrikam.com")
    body = client_as(billing_admin).get(SETTINGS_URL).content.decode()
    assert "Admins receiving billing notifications" in body
    assert "Grace Global" in body and "Bill Billing" in body and "ap@contoso.com" in body
    assert "not-ours@fabrikam.com" not in body
    assert "1 of 5 used" in body


def test_adding_a_recipient_redirects_with_a_confirmation(client_as, tenant, billing_admin):
    client = client_as(billing_admin)
    response = client.post(reverse("notifications:recipient_add"), {"email": "ap@contoso.com"}, follow=True)
    assert response.redirect_chain == [(SETTINGS_URL, 302)]
    assert "ap@contoso.com now receives billing notifications." in response.content.decode()
    assert list(ExtraRecipient.objects.values_list("email", flat=True)) == ["ap@contoso.com"]


def test_an_invalid_address_is_shown_next_to_the_field(client_as, billing_admin):
    response = client_as(billing_admin).post(reverse("notifications:recipient_add"), {"email": "ap@contoso"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "&#x27;ap@contoso&#x27; isn&#x27;t a valid email address" in body and 'aria-invalid="true"' in body
    assert not ExtraRecipient.objects.exists()


def test_a_sixth_recipient_is_refused_on_the_page(client_as, tenant, billing_admin):
    for n in range(5):
        recipient_add(tenant=tenant, email=f"p{n}@contoso.com", actor=billing_admin)
    response = client_as(billing_admin).post(reverse("notifications:recipient_add"), {"email": "p5@contoso.com"})
    assert response.status_code == 400 and "Remove one before adding p5@contoso.com" in response.content.decode()


def test_removing_a_recipient(client_as, tenant, billing_admin):
    extra = ExtraRecipientFactory(tenant=tenant, email="ap@contoso.com")
    response = client_as(billing_admin).post(reverse("notifications:recipient_remove", args=[extra.pk]))
    assert response.status_code == 302 and not ExtraRecipient.objects.exists()


def test_another_tenants_recipient_is_404(client_as, billing_admin, other_tenant):
    theirs = ExtraRecipientFactory(tenant=other_tenant, email="ap@fabrikam.com")
    response = client_as(billing_admin).post(reverse("notifications:recipient_remove", args=[theirs.pk]))
    assert response.status_code == 404 and ExtraRecipient.objects.filter(pk=theirs.pk).exists()


def _preferences_post(**overrides):
    data = {event.value: "on" for event in Event if event != Event.TEST}
    data.update({"level_1": "1000", "level_2": "500", "level_3": ""})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_switching_an_event_off_and_setting_levels(client_as, tenant, billing_admin):
    response = client_as(billing_admin).post(reverse("notifications:preferences"), _preferences_post(pool_80=None))
    assert response.status_code == 302
    preferences = NotificationSettings.objects.get(tenant=tenant)
    assert preferences.disabled_events == ["pool_80"] and preferences.low_balance_levels == [1000, 500]
    body = client_as(billing_admin).get(SETTINGS_URL).content.decode()
    assert 'name="pool_80" id="id_pool_80">' in body and 'name="pool_100" id="id_pool_100" checked>' in body
    assert 'value="1000"' in body


def test_a_bad_level_is_shown_and_nothing_is_saved(client_as, tenant, billing_admin):
    response = client_as(billing_admin).post(reverse("notifications:preferences"),
                                             _preferences_post(pool_80=None, level_2="12.5"))
    assert response.status_code == 400
    assert "&#x27;12.5&#x27; isn&#x27;t a whole number of dollars" in response.content.decode()
    assert not NotificationSettings.objects.filter(tenant=tenant).exists()


def test_the_edit_panel_opens_and_saves(client_as, tenant, global_admin):
    client = client_as(global_admin)
    body = client.get(SETTINGS_URL + "?panel=edit").content.decode()
    assert "Edit notification settings" in body and 'role="dialog"' in body
    assert "Attach a PDF to your invoice emails" in body
    response = client.post(reverse("notifications:settings_edit"), {"preferred_language": "en", "attach_invoice_pdf": "on"})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(tenant=tenant).attach_invoice_pdf is True


def test_an_unknown_language_is_a_form_error(client_as, global_admin):
    response = client_as(global_admin).post(reverse("notifications:settings_edit"), {"preferred_language": "xx"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_send_test_email_mails_every_recipient_once_even_when_submitted_twice(
        client_as, tenant, global_admin, billing_admin, django_capture_on_commit_callbacks):
    client = client_as(billing_admin)
    request_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:test_email"), {"request_id": request_id}, follow=True)
        client.post(reverse("notifications:test_email"), {"request_id": request_id})
    assert "Test email sent to 2 recipients." in response.content.decode()
    assert f'<a href="{LOG_URL}?event=test">View it in the email log</a>' in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["billing@contoso.test", "global@contoso.test"]
    assert "Bill Billing sent this test" in mail.outbox[0].body


def test_a_stale_test_email_form_is_refused(client_as, billing_admin):
    response = client_as(billing_admin).post(reverse("notifications:test_email"), {"request_id": "nope"}, follow=True)
    assert "Reload it and try again" in response.content.decode() and not EmailLog.objects.exists()


def _log_rows(tenant, count):
    for n in range(count):
        EmailLogFactory(notification=NotificationFactory(tenant=tenant, event=Event.LOW_BALANCE if n % 2 else Event.TEST),
                        status=EmailLog.Status.FAILED if n % 3 == 0 else EmailLog.Status.SENT, subject=f"Email {n:03d}")


def test_the_email_log_lists_the_tenants_emails_newest_first(client_as, tenant, other_tenant, billing_admin):
    _log_rows(tenant, 3)
    EmailLogFactory(notification=NotificationFactory(tenant=other_tenant), subject="Fabrikam's email")
    body = client_as(billing_admin).get(LOG_URL).content.decode()
    assert body.index("Email 002") < body.index("Email 001") < body.index("Email 000")
    assert "Fabrikam" not in body


def test_the_email_log_filters_by_event_and_status(client_as, tenant, billing_admin):
    _log_rows(tenant, 6)  # events: test, low, test, low, test, low; failed: 0 and 3
    body = client_as(billing_admin).get(LOG_URL, {"event": "low_balance", "status": "failed"}).content.decode()
    assert "Email 003" in body and "Email 000" not in body and "Email 001" not in body
    body = client_as(billing_admin).get(LOG_URL, {"event": "no_such_event"}).content.decode()
    assert "Select a valid choice" not in body and "Email 000" in body  # an unknown filter shows everything


def test_the_email_log_pages_by_fifty(client_as, tenant, billing_admin):
    _log_rows(tenant, 55)
    client = client_as(billing_admin)
    first = client.get(LOG_URL).content.decode()
    assert "Page 1 of 2 (55 items)" in first and "Email 054" in first and "Email 004" not in first
    second = client.get(LOG_URL, {"page": 2}).content.decode()
    assert "Email 004" in second and "Email 000" in second


@pytest.mark.parametrize("rows", [3, 120])
def test_the_email_log_query_count_does_not_grow_with_rows(client_as, tenant, billing_admin, django_assert_num_queries, rows):
    _log_rows(tenant, rows)
    client = client_as(billing_admin)
    # session, user, tenant, user's roles (the shell), then the count and one page of rows
    with django_assert_num_queries(6):
        response = client.get(LOG_URL, {"status": "sent"})
    assert response.status_code == 200


def test_the_email_reader_shows_the_rendered_message(client_as, tenant, billing_admin, django_capture_on_commit_callbacks):
    from billing.notifications.services import notification_send

    with django_capture_on_commit_callbacks(execute=True):
        (email,) = notification_send(tenant=tenant, event=Event.TEST, context={"sent_by": "Bill <b>Billing</b>"},
                                     period_key="t1")
    client = client_as(billing_admin)
    body = client.get(reverse("notifications:email_detail", args=[email.pk])).content.decode()
    assert "Test email: Billing notifications for Contoso Test" in body and "billing@contoso.test" in body
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox" srcdoc="&lt;!doctype html&gt;' in body
    assert "<b>Billing</b>" not in body  # escaped once in the email, and again inside srcdoc
    text = client.get(reverse("notifications:email_detail", args=[email.pk]), {"view": "text"}).content.decode()
    assert "Bill &lt;b&gt;Billing&lt;/b&gt; sent this test" in text


def test_the_email_reader_explains_an_email_that_failed_to_render(client_as, tenant, billing_admin):
    email = EmailLogFactory(notification=NotificationFactory(tenant=tenant), status=EmailLog.Status.FAILED, sent_at=None,
                            html_body="", text_body="", error="The email could not be rendered, so it was not sent.")
    body = client_as(billing_admin).get(reverse("notifications:email_detail", args=[email.pk])).content.decode()
    assert "The email could not be rendered" in body and "there is no message to show" in body


def test_another_tenants_email_is_404(client_as, billing_admin, other_tenant):
    theirs = EmailLogFactory(notification=NotificationFactory(tenant=other_tenant))
    assert client_as(billing_admin).get(reverse("notifications:email_detail", args=[theirs.pk])).status_code == 404


def test_a_reports_reader_cannot_read_an_email(client_as, tenant, reports_reader):
    email = EmailLogFactory(notification=NotificationFactory(tenant=tenant))
    assert client_as(reports_reader).get(reverse("notifications:email_detail", args=[email.pk])).status_code == 403


@pytest.mark.parametrize("admins", [1, 25])
def test_the_settings_page_query_count_does_not_grow_with_admins_or_recipients(
        client_as, tenant, billing_admin, django_assert_num_queries, admins):
    from accounts.roles import Role
    from tests.factories import UserFactory

    for n in range(admins):
        UserFactory(tenant=tenant, roles=[Role.BILLING_ADMIN, Role.GLOBAL_ADMIN] if n % 2 else [Role.BILLING_ADMIN])
    for _ in range(min(admins, 5)):
        ExtraRecipientFactory(tenant=tenant)
    client = client_as(billing_admin)
    # the shell's four, then settings, admins with their roles, other recipients
    with django_assert_num_queries(7):
        response = client.get(SETTINGS_URL)
    assert response.status_code == 200


def test_a_test_email_that_fails_to_render_says_so_and_links_to_the_log(client_as, billing_admin, broken_test_template):
    response = client_as(billing_admin).post(reverse("notifications:test_email"), {"request_id": str(uuid.uuid4())},
                                             follow=True)
    body = response.content.decode()
    assert "The test email could not be rendered." in body and f'href="{LOG_URL}?event=test"' in body
    assert EmailLog.objects.get().status == "failed" and not mail.outbox


def test_operators_read_the_email_log_in_the_django_admin(client, tenant, db):
    from accounts.models import User

    operator = User.objects.create_superuser("operator@admin.example", "Operator-Pass-2026")
    email = EmailLogFactory(notification=NotificationFactory(tenant=tenant), subject="Seen by the operator")
    client.force_login(operator)
    assert "Seen by the operator" in client.get("/django-admin/notifications/emaillog/").content.decode()
    assert client.get(f"/django-admin/notifications/emaillog/{email.pk}/change/").status_code == 200
