"""A billing admin registers a webhook and replays a delivery; a global admin sets the calling policy and one user's
spend limit from the user's panel on Active users."""
from decimal import Decimal

from django.db import transaction
from playwright.sync_api import expect

from billing.spend.models import CallingPolicy, UserCallingPolicy
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint
from billing.webhooks.services import webhook_emit
from tests.rating.factories import make_caller
from tests.webhooks.conftest import receiver, verify_standard_webhook  # noqa: F401 (the receiver fixture)


def test_billing_admin_adds_a_webhook_and_replays_a_delivery(page, sign_in, billing_admin, receiver, settings,  # noqa: F811
                                                             screenshot):
    settings.WEBHOOK_ALLOW_LOCAL = True
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(billing_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator(".field-error")).to_contain_text("Choose at least one event.")
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_role("checkbox", name="balance.low").check()
    page.get_by_role("checkbox", name="invoice.issued").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_test_id("webhook-secret").inner_text()
    endpoint = WebhookEndpoint.objects.get()
    assert secret == endpoint.secret and endpoint.events == ["balance.low", "invoice.issued"]
    screenshot("webhooks-endpoints")

    with transaction.atomic():
        event = webhook_emit(tenant=billing_admin.tenant, type="invoice.issued", data={"number": "C-000042"},
                             source_key="invoice:42")
    headers, body = receiver.requests[0]
    assert headers["webhook-id"] == event.id
    assert verify_standard_webhook(secret=secret, headers=headers, body=body, now=int(headers["webhook-timestamp"]))

    page.get_by_role("link", name="Delivery log").click()
    row = page.get_by_role("row").filter(has_text=event.id)
    expect(row).to_contain_text("Succeeded")
    screenshot("webhooks-delivery-log")
    row.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text(f"Event {event.id} sent again: HTTP 200.")
    assert [h["webhook-id"] for h, _ in receiver.requests] == [event.id, event.id]
    assert WebhookDelivery.objects.get().attempts == 2
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("webhooks-delivery-log-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 or page.locator(".table-wrap").count() > 0


def test_global_admin_sets_the_calling_policy_and_a_users_own_limit(page, sign_in, global_admin, screenshot):
    person = make_caller(global_admin.tenant, "MCOEV", "MCOPSTNC", upn="ada@contoso.test", display_name="Ada Lovelace")
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(global_admin)
    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Calling policy").click()
    expect(page.get_by_role("heading", name="Calling policy", level=1)).to_be_visible()
    page.get_by_role("switch", name="Enable calling plans spend limit").check(force=True)
    page.get_by_label("Monthly spend limit per user (USD)").fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_contain_text("The limit can't be below $0.00")
    page.get_by_label("Monthly spend limit per user (USD)").fill("25")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Calling policy saved.")
    policy = CallingPolicy.objects.get()
    assert (policy.enable_spend_limits, policy.user_spend_limit, policy.slice_minutes) == (True, Decimal("25.00"), 10)
    screenshot("calling-policy")

    page.get_by_role("navigation", name="Admin center navigation").get_by_role("link", name="Active users").click()
    page.get_by_role("link", name="Ada Lovelace").click()
    panel = page.get_by_role("dialog")
    panel.get_by_test_id("spend-limit-link").click()
    expect(panel.get_by_test_id("user-spend")).to_contain_text("$25.00 (calling policy)")
    panel.get_by_label("Monthly spend limit (USD)").fill("7.50")
    panel.get_by_label("Monthly spend limit (USD)").press("Enter")
    expect(page.get_by_role("dialog").get_by_test_id("user-spend")).to_contain_text("$7.50 (this user's own)")
    assert UserCallingPolicy.objects.get(user=person).spend_limit == Decimal("7.50")
    screenshot("user-spend-limit-panel")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("user-spend-limit-panel-390")
