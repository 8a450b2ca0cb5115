"""Registering webhook endpoints: what is refused and why, the API, the pages and who may use them."""
import pytest
from django.urls import reverse

from billing.webhooks import transport
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from billing.webhooks.services import webhook_emit, webhook_endpoint_create

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"


@pytest.fixture
def public_dns(monkeypatch):
    """Every name resolves to one public address (no network in tests)."""
    monkeypatch.setattr(transport, "_resolve", lambda host, port: [PUBLIC])


@pytest.mark.parametrize(("url", "message"), [
    ("", "Enter the endpoint's URL"),
    ("ftp://hooks.contoso.com/x", "isn't an https:// URL"),
    ("http://hooks.contoso.com/x", "Webhook endpoints must use HTTPS"),
    ("https://10.0.0.5/hook", "private or reserved address (10.0.0.5)"),
    ("https://127.0.0.1:8443/hook", "private or reserved address (127.0.0.1)"),
    ("https://169.254.169.254/latest", "private or reserved address (169.254.169.254)"),
    ("https://[::1]/hook", "private or reserved address (::1)"),
    ("https://[::ffff:192.168.1.4]/hook", "private or reserved address"),
    ("https://user:pw@hooks.contoso.com/x", "Leave the user name and password out"),
    ("https://hooks.contoso.com:99999/x", "isn't a valid URL"),
])
def test_bad_urls_are_refused_with_the_reason(tenant, global_admin, url, message):
    with pytest.raises(Exception) as caught:
        webhook_endpoint_create(tenant=tenant, url=url, events=["balance.low"], actor=global_admin)
    assert message in str(caught.value)
    assert WebhookEndpoint.objects.count() == 0


def test_a_name_resolving_to_a_private_address_is_refused(tenant, global_admin, monkeypatch):
    monkeypatch.setattr(transport, "_resolve", lambda host, port: [PUBLIC, "192.168.10.7"])
    with pytest.raises(Exception, match=r"hooks\.contoso\.com resolves to a private or reserved address"):
        webhook_endpoint_create(tenant=tenant, url="https://hooks.contoso.com/b", events=["balance.low"],
                                actor=global_admin)


def test_unknown_or_missing_events_are_refused(tenant, global_admin, public_dns):
    with pytest.raises(Exception, match="'balance.high' isn't a webhook event"):
        webhook_endpoint_create(tenant=tenant, url="https://h.contoso.com/", events=["balance.high"], actor=global_admin)
    with pytest.raises(Exception, match="Choose at least one event"):
        webhook_endpoint_create(tenant=tenant, url="https://h.contoso.com/", events=[], actor=global_admin)


def test_the_api_registers_lists_changes_rotates_and_deletes(tenant, global_admin, api_client_for, public_dns):
    api = api_client_for(tenant)
    created = api.post("/api/v1/webhooks", {"url": "https://hooks.contoso.com/billing",
                                            "events": ["recharge.failed", "balance.low"]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["balance.low", "recharge.failed"]
    endpoint_id = body["id"]

    listed = api.get("/api/v1/webhooks").json()["value"]
    assert [e["id"] for e in listed] == [endpoint_id] and "secret" not in listed[0]

    bad = api.patch(f"/api/v1/webhooks/{endpoint_id}", {"events": ["nope"]}, format="json")
    assert bad.status_code == 400 and "events: 'nope' isn't a webhook event" in bad.json()["error"]["message"]
    bad = api.patch(f"/api/v1/webhooks/{endpoint_id}", {"url": "http://hooks.contoso.com/"}, format="json")
    assert bad.status_code == 400 and "url: Webhook endpoints must use HTTPS" in bad.json()["error"]["message"]
    changed = api.patch(f"/api/v1/webhooks/{endpoint_id}", {"enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False

    rotated = api.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["secret"] != body["secret"]
    assert rotated.json()["previousSecretExpiresDateTime"] == "2026-06-18T09:30:00Z" or \
        rotated.json()["previousSecretExpiresDateTime"].startswith("2026-06-18T09:3")

    assert api.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert WebhookEndpoint.objects.count() == 0


def test_another_tenants_endpoint_is_not_found(tenant, other_tenant, other_tenant_admin, api_client_for, public_dns):
    theirs = webhook_endpoint_create(tenant=other_tenant, url="https://f.example.com/", events=["balance.low"],
                                     actor=other_tenant_admin)
    api = api_client_for(tenant)
    assert api.get(f"/api/v1/webhooks/{theirs.pk}").status_code == 404
    assert api.get("/api/v1/webhooks/not-a-uuid").status_code == 404
    assert api.post(f"/api/v1/webhooks/{theirs.pk}/rotate-secret").status_code == 404
    assert api.get(f"/api/v1/webhooks/{theirs.pk}/deliveries").status_code == 404


def test_the_api_lists_deliveries(tenant, global_admin, api_client_for, public_dns):
    endpoint = webhook_endpoint_create(tenant=tenant, url="https://h.contoso.com/", events=["invoice.issued"],
                                       actor=global_admin)
    event = webhook_emit(tenant=tenant, type="invoice.issued", data={"number": "C-1"}, source_key="invoice:1")
    api = api_client_for(tenant)
    rows = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()["value"]
    assert [(r["eventId"], r["eventType"], r["status"]) for r in rows] == [(event.id, "invoice.issued", "pending")]
    assert api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries?status=lost").status_code == 400


def test_an_issued_invoice_raises_invoice_issued(tenant, global_admin, public_dns):
    from billing.credits.services import credits_add_funds, payment_method_add_card

    webhook_endpoint_create(tenant=tenant, url="https://h.contoso.com/", events=["invoice.issued"], actor=global_admin)
    card = payment_method_add_card(tenant=tenant, number="4242 4242 4242 4242", exp_month=12, exp_year=2030, cvc="123",
                                   holder_name="Grace Global", actor=global_admin)
    credits_add_funds(tenant=tenant, amount="25.00", payment_method=card, idempotency_key="k-1", actor=global_admin)
    event = WebhookEvent.objects.get(type="invoice.issued")
    assert '"total":"25.00"' in event.body and '"kind":"purchase"' in event.body


def test_the_webhooks_page_adds_an_endpoint_and_shows_the_secret_once(tenant, global_admin, client_as, public_dns):
    client = client_as(global_admin)
    page = client.get(reverse("webhooks:endpoints"))
    assert page.status_code == 200 and b"Add an endpoint" in page.content
    refused = client.post(reverse("webhooks:endpoints"), {"url": "https://10.0.0.1/x", "events": ["balance.low"]})
    assert refused.status_code == 400 and b"private or reserved address (10.0.0.1)" in refused.content
    added = client.post(reverse("webhooks:endpoints"), {"url": "https://hooks.contoso.com/b",
                                                        "events": ["balance.low", "spend_limit.reached"]})
    endpoint = WebhookEndpoint.objects.get()
    assert added.status_code == 200 and endpoint.secret.encode() in added.content
    assert endpoint.secret.encode() not in client.get(reverse("webhooks:endpoints")).content


def test_the_delivery_log_replays_and_its_queries_do_not_grow(tenant, global_admin, client_as, public_dns,
                                                              django_assert_max_num_queries, monkeypatch):
    webhook_endpoint_create(tenant=tenant, url="https://h.contoso.com/", events=["invoice.issued"], actor=global_admin)
    for number in range(12):
        webhook_emit(tenant=tenant, type="invoice.issued", data={"number": number}, source_key=f"invoice:{number}")
    client = client_as(global_admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("webhooks:deliveries"))
    assert page.status_code == 200 and page.content.count(b"invoice.issued") >= 12

    sent = []
    monkeypatch.setattr(transport, "post", lambda **kw: sent.append(kw) or transport.Answer(204, "", 3))
    delivery = WebhookDelivery.objects.order_by("id").first()
    response = client.post(reverse("webhooks:replay", args=[delivery.pk]), follow=True)
    assert b"sent again: HTTP 204" in response.content
    assert sent[0]["headers"]["webhook-id"] == delivery.event_id
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"


@pytest.mark.parametrize("persona", ["reports_reader", "license_admin", "teams_comms_admin"])
def test_only_billing_and_global_admins_manage_webhooks(request, persona, client_as):
    client = client_as(request.getfixturevalue(persona))
    assert client.get(reverse("webhooks:endpoints")).status_code == 403
    assert client.get(reverse("webhooks:deliveries")).status_code == 403


def test_another_tenants_delivery_cannot_be_replayed(tenant, other_tenant, other_tenant_admin, global_admin,
                                                     client_as, public_dns):
    webhook_endpoint_create(tenant=other_tenant, url="https://f.example.com/", events=["invoice.issued"],
                            actor=other_tenant_admin)
    event = webhook_emit(tenant=other_tenant, type="invoice.issued", data={}, source_key="invoice:x")
    response = client_as(global_admin).post(reverse("webhooks:replay", args=[event.deliveries.get().pk]))
    assert response.status_code == 404
