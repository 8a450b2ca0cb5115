"""A billing admin's path through Billing notifications: recipients, an event switch, a test email, the email log."""
from playwright.sync_api import expect

from billing.notifications.models import EmailLog, NotificationSettings


def test_billing_admin_adds_a_recipient_switches_an_event_off_and_reads_the_test_email(
        page, sign_in, billing_admin, global_admin, screenshot):
    sign_in(billing_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Billing notifications").click()
    expect(page.get_by_role("heading", name="Billing notifications", level=1)).to_be_visible()
    admins = page.get_by_role("region", name="Admins receiving billing notifications")
    expect(admins.get_by_role("cell", name="Grace Global")).to_be_visible()
    expect(admins.get_by_role("cell", name="Bill Billing")).to_be_visible()
    screenshot("notifications-settings")

    page.get_by_label("Email address").fill("accounts-payable@contoso")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("'accounts-payable@contoso' isn't a valid email address")
    screenshot("notifications-invalid-address")
    page.get_by_label("Email address").fill("accounts-payable@contoso.com")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("accounts-payable@contoso.com now receives billing notifications.")
    expect(page.get_by_role("cell", name="accounts-payable@contoso.com", exact=True)).to_be_visible()

    pool_switch = page.get_by_role("switch", name="Minute pool 80% used")
    expect(pool_switch).to_be_checked()
    pool_switch.uncheck(force=True)  # the native box is hidden under the drawn switch
    page.get_by_label("Low-balance level 1 in US dollars").fill("500")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your billing notification choices were saved.")
    expect(page.get_by_role("switch", name="Minute pool 80% used")).not_to_be_checked()
    expect(page.get_by_role("switch", name="Minute pool 100% used")).to_be_checked()
    assert NotificationSettings.objects.get(tenant=billing_admin.tenant).disabled_events == ["pool_80"]

    page.get_by_role("button", name="Send test email").click()
    expect(page.get_by_role("status")).to_contain_text("Test email sent to 3 recipients.")
    screenshot("notifications-test-email-sent")
    assert sorted(EmailLog.objects.values_list("to", "status")) == [
        ("accounts-payable@contoso.com", "sent"), ("billing@contoso.test", "sent"), ("global@contoso.test", "sent")]

    page.get_by_role("link", name="View it in the email log").click()
    expect(page.get_by_role("heading", name="Email log")).to_be_visible()
    expect(page.get_by_label("Event")).to_have_value("test")
    expect(page.get_by_role("row")).to_have_count(4)  # header + three recipients
    screenshot("notifications-email-log")

    page.get_by_role("row").filter(has_text="global@contoso.test").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Test email: Billing notifications for Contoso Test")).to_be_visible()
    message = page.frame_locator("iframe.email-frame")
    expect(message.get_by_role("heading", name="Your billing notifications are working")).to_be_visible()
    expect(message.get_by_text("Bill Billing sent this test")).to_be_visible()
    expect(message.get_by_role("link", name="Open Billing notifications")).to_have_attribute(
        "href", "http://127.0.0.1:8000/billing/notifications/")
    frame_height, message_height = page.locator("iframe.email-frame").evaluate(
        "f => [f.clientHeight, f.contentDocument.documentElement.scrollHeight]")
    assert abs(frame_height - message_height) <= 2  # the frame fits the message: one scroll bar, the page's
    screenshot("notifications-email-detail")
    page.get_by_role("link", name="Plain text").click()
    expect(page.get_by_test_id("email-text")).to_contain_text("Hello Grace Global,")


def test_global_admin_edits_notification_settings_in_the_panel(page, sign_in, global_admin, screenshot):
    sign_in(global_admin)
    page.goto("/billing/notifications/")
    page.get_by_role("link", name="Edit notification settings").first.click()
    panel = page.get_by_role("dialog", name="Edit notification settings")
    expect(panel.get_by_label("Preferred language")).to_have_value("en")
    panel.get_by_label("Attach a PDF to your invoice emails").check()
    screenshot("notifications-edit-panel")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Notification settings updated.")
    settings = page.get_by_role("region", name="Notification settings")
    expect(settings.get_by_text("On", exact=True)).to_be_visible()
    assert NotificationSettings.objects.get(tenant=global_admin.tenant).attach_invoice_pdf is True
