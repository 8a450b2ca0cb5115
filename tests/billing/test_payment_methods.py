"""Payment methods: tokenised cards (never a number or CVC stored), invoice payment, replace, delete, the page."""
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from billing.credits.models import AutoRechargeSettings, PaymentMethod
from billing.credits.services import (
    auto_recharge_update,
    payment_method_add_card,
    payment_method_remove,
    payment_method_replace,
)

from .conftest import VISA, future_year


def every_stored_text():
    """Every text value in every table of the project: what a leaked card number would hide in."""
    values = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            columns = [f.column for f in model._meta.concrete_fields if f.get_internal_type() in
                       ("CharField", "TextField", "JSONField")]
            if columns:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT {', '.join(connection.ops.quote_name(c) for c in columns)} FROM {table}")
                values.extend(str(v) for row in cursor.fetchall() for v in row if v)
    return "\n".join(values)


def test_a_card_is_stored_as_a_token_brand_last_four_and_expiry_never_the_number_or_cvc(tenant, billing_admin):
    method = payment_method_add_card(tenant=tenant, number="3782-822463-10005", exp_month="7", exp_year=future_year(),
                                     cvc="7351", holder_name="  Bill Billing ", actor=billing_admin)
    assert (method.kind, method.brand, method.last4, method.exp_month, method.holder_name) == (
        "card", "American Express", "0005", 7, "Bill Billing")
    assert method.gateway_token.startswith("tok_")
    stored = every_stored_text()
    assert "378282246310005" not in stored and "3782-822463" not in stored
    # the CVC as a value of its own (hex digests such as the ledger's chain hashes may contain any four digits)
    assert not re.search(r"(?<![0-9a-z])7351(?![0-9a-z])", stored)
    assert AuditLog.objects.get(action="payment_method.add").after["label"] == "American Express •••• 0005"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"number": "4242 4242 4242 4241"}, "number", "Enter a valid card number"),
    ({"number": "not a card"}, "number", "Enter a valid card number"),
    ({"number": "4111 1111 1111 1111"}, "number", "test mode"),
    ({"exp_month": "13"}, "exp_month", "from 1 to 12"),
    ({"exp_year": "29"}, "exp_year", "four digits"),
    ({"exp_year": "2020"}, "exp_year", "expired in 12/2020"),
    ({"cvc": "12"}, "cvc", "3-digit security code"),
    ({"holder_name": " "}, "holder_name", "Enter the name on the card."),
])
def test_bad_card_details_name_the_field_and_store_nothing(tenant, billing_admin, fields, field, message):
    card = {"number": VISA, "exp_month": "12", "exp_year": str(future_year()), "cvc": "123", "holder_name": "Bill"}
    card.update(fields)
    with pytest.raises(ValidationError) as caught:
        payment_method_add_card(tenant=tenant, actor=billing_admin, **card)
    assert message in caught.value.message_dict[field][0]
    assert not PaymentMethod.objects.exists()


def test_replacing_a_card_moves_auto_recharge_to_the_new_card(tenant, card, billing_admin):
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    new = payment_method_replace(payment_method=card, number="5555 5555 5555 4444", exp_month=3, exp_year=future_year(),
                                 holder_name="Bill Billing", actor=billing_admin)
    card.refresh_from_db()
    assert card.removed_at is not None and new.label == "Mastercard •••• 4444"
    assert AutoRechargeSettings.objects.get(tenant=tenant).payment_method == new


def test_a_card_paying_for_auto_recharge_cannot_be_deleted(tenant, card, billing_admin):
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    with pytest.raises(ValidationError, match="pays for auto-recharge"):
        payment_method_remove(payment_method=card, actor=billing_admin)
    auto_recharge_update(tenant=tenant, enabled=False, trigger_amount=None, recharge_amount=None, payment_method=None,
                         actor=billing_admin)
    payment_method_remove(payment_method=card, actor=billing_admin)
    assert AutoRechargeSettings.objects.get(tenant=tenant).payment_method is None
    with pytest.raises(ValidationError, match="already deleted"):
        payment_method_remove(payment_method=card, actor=billing_admin)


def test_the_page_lists_methods_with_expiration_date_status_and_use(client_as, billing_admin, tenant, card, add_card):
    auto_recharge_update(tenant=tenant, enabled=True, trigger_amount=200, recharge_amount=500, payment_method=card,
                         actor=billing_admin)
    old = add_card("5555 5555 5555 4444")
    PaymentMethod.objects.filter(pk=old.pk).update(exp_year=timezone.localdate().year - 1, exp_month=1)
    page = client_as(billing_admin).get(reverse("billing:payment_methods")).content.decode()
    for header in ("Payment method", "Expiration date", "Status", "Used for"):
        assert f'<th scope="col">{header}</th>' in page
    assert f"12/{future_year()}" in page and '<span class="badge bad">Expired</span>' in page
    assert "Auto-recharge</td>" in page and "Add a payment method" in page and "Test mode." in page


def test_adding_a_card_on_the_page_never_echoes_the_number(client_as, billing_admin):
    client = client_as(billing_admin)
    response = client.post(reverse("billing:payment_method_add"), {
        "type": "card", "holder_name": "Bill", "number": "4242 4242 4242 4241", "exp_month": "12",
        "exp_year": str(future_year()), "cvc": "123"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid card number" in page and "4242 4242 4242 4241" not in page
    response = client.post(reverse("billing:payment_method_add"), {
        "type": "card", "holder_name": "Bill", "number": VISA, "exp_month": "12", "exp_year": str(future_year()),
        "cvc": "123"}, follow=True)
    assert "Visa •••• 4242 was verified with your card issuer and added." in response.content.decode()


def test_replace_and_delete_on_the_page(client_as, billing_admin, card):
    client = client_as(billing_admin)
    assert "Replace Visa •••• 4242" in client.get(reverse("billing:payment_method_replace", args=[card.pk])).content.decode()
    response = client.post(reverse("billing:payment_method_replace", args=[card.pk]), {
        "holder_name": "Bill", "number": "5555 5555 5555 4444", "exp_month": "1", "exp_year": str(future_year())},
        follow=True)
    assert "Visa •••• 4242 was replaced by Mastercard •••• 4444." in response.content.decode()
    new = PaymentMethod.objects.get(removed_at__isnull=True)
    response = client.post(reverse("billing:payment_method_delete", args=[new.pk]), follow=True)
    assert "Mastercard •••• 4444 was deleted." in response.content.decode()
    assert "No payment methods yet." in response.content.decode()


def test_another_tenants_payment_method_is_a_404(client_as, billing_admin, other_tenant, other_tenant_admin, add_card):
    theirs = add_card(for_tenant=other_tenant, actor=other_tenant_admin)
    client = client_as(billing_admin)
    assert client.get(reverse("billing:payment_method_replace", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("billing:payment_method_delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.removed_at is None


def test_invoice_payment_is_offered_to_global_admins_of_ea_tenants_only(client_as, tenant, global_admin, billing_admin):
    from accounts.models import Tenant

    assert "Invoice (Enterprise Agreement)" not in client_as(global_admin).get(
        reverse("billing:payment_method_add")).content.decode()
    Tenant.objects.filter(pk=tenant.pk).update(billing_account_kind="EA", agreement_number="EA-42")
    page = client_as(global_admin).get(reverse("billing:payment_method_add") + "?type=invoice").content.decode()
    assert "Invoice (Enterprise Agreement)" in page and "Enterprise Agreement number" in page
    response = client_as(global_admin).post(reverse("billing:payment_method_add"), {
        "type": "invoice", "agreement_number": "EA-41", "po_number": "PO 1"})
    assert "isn&#x27;t your organization&#x27;s Enterprise Agreement number" in response.content.decode()
    response = client_as(global_admin).post(reverse("billing:payment_method_add"), {
        "type": "invoice", "agreement_number": "EA-42", "po_number": "PO 1"}, follow=True)
    assert "Invoice (agreement EA-42, PO PO 1) was added." in response.content.decode()
    response = client_as(billing_admin).post(reverse("billing:payment_method_add"), {
        "type": "invoice", "agreement_number": "EA-42"})
    assert response.status_code == 400 and "Global admins only" in response.content.decode()
