"""Add funds in two steps: the review shows amount, payment method, tax, total and expiry and charges nothing;
Confirm charges exactly the reviewed figures, once, and links the invoice."""
from decimal import Decimal

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse

from billing.credits.models import GatewayCharge, LedgerEntry, Purchase
from billing.credits.views.credits import REVIEW_SALT
from billing.invoices.models import Invoice

from .conftest import INSUFFICIENT

URL = reverse("billing:credits_add_funds")


def review(client, amount, method):
    response = client.post(URL, {"amount": amount, "payment_method": str(method.pk)})
    assert response.status_code == 200, response.content.decode()[:500]
    return response


def confirm(client, token, **extra):
    return client.post(URL, {"step": "confirm", "review": token, **extra}, follow=True)


def test_the_review_shows_every_figure_and_charges_nothing(client_as, billing_admin, card, clock):
    response = review(client_as(billing_admin), "100", card)
    page = response.content.decode()
    assert "Review your purchase" in page
    assert 'data-testid="review-amount">$100.00<' in page
    assert "Visa •••• 4242" in page
    assert 'data-testid="review-tax">$0.00<' in page
    assert 'data-testid="review-total"><strong>$100.00</strong>' in page
    # Bought on Jun 17, 2026 (the tests' clock): the funds expire 12 months later.
    assert 'data-testid="review-expiry">Jun 17, 2027<' in page
    assert not GatewayCharge.objects.exists() and not LedgerEntry.objects.exists()


@override_settings(INVOICE_SELLER={"tax_rate": "0.0825", "tax_label": "Sales tax"})
def test_tax_is_shown_before_paying_and_the_card_pays_the_invoices_total(client_as, billing_admin, card):
    client = client_as(billing_admin)
    response = review(client, "200", card)
    page = response.content.decode()
    assert "Sales tax (8.25%)" in page
    assert 'data-testid="review-tax">$16.50<' in page and "<strong>$216.50</strong>" in page
    confirm(client, response.context["review_token"])
    charge = GatewayCharge.objects.get()
    invoice = Invoice.objects.get(kind=Invoice.Kind.PURCHASE)
    assert charge.amount == Decimal("216.50") == invoice.total
    assert LedgerEntry.objects.get().amount == Decimal("200.00")


def test_confirm_charges_once_and_links_the_invoice_even_when_clicked_twice(client_as, billing_admin, card):
    client = client_as(billing_admin)
    token = review(client, "100", card).context["review_token"]
    first = confirm(client, token)
    assert first.redirect_chain == [(reverse("billing:credits"), 302)]
    page = first.content.decode()
    invoice = Invoice.objects.get(kind=Invoice.Kind.PURCHASE)
    assert "$100.00 was added with Visa •••• 4242. Your balance is $100.00." in page
    assert f'<a href="{reverse("invoices:detail", args=[invoice.pk])}">View invoice {invoice.display_number}</a>' in page
    second = confirm(client, token)  # the double click
    assert "already made; nothing more was charged" in second.content.decode()
    assert Purchase.objects.count() == 1 and GatewayCharge.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_a_changed_amount_cannot_be_charged_unseen(client_as, billing_admin, card):
    client = client_as(billing_admin)
    token = review(client, "100", card).context["review_token"]
    # The reviewed figures come only from the signed token: an amount posted beside it is ignored ...
    confirm(client, token, amount="5000")
    assert Purchase.objects.get().amount == Decimal("100.00")
    # ... and a token edited to say another amount is refused, with why, and charges nothing.
    data = signing.loads(token, salt=REVIEW_SALT)
    payload, stamp, signature = token.split(":")
    changed = signing.b64_encode(signing.JSONSerializer().dumps({**data, "amount": "5000.00"})).decode()
    forged = f"{changed}:{stamp}:{signature}"
    response = client.post(URL, {"step": "confirm", "review": forged})
    assert response.status_code == 400
    assert "was changed or is incomplete, so nothing was charged" in response.content.decode()
    unsigned = signing.dumps({**data, "amount": "5000.00"}, salt="another salt")
    response = client.post(URL, {"step": "confirm", "review": unsigned})
    assert response.status_code == 400
    assert Purchase.objects.count() == 1 and GatewayCharge.objects.count() == 1


def test_another_tenants_review_cannot_be_confirmed(client_as, billing_admin, card, other_tenant_admin):
    token = review(client_as(billing_admin), "100", card).context["review_token"]
    response = client_as(other_tenant_admin).post(URL, {"step": "confirm", "review": token})
    assert response.status_code == 400
    assert not GatewayCharge.objects.exists()


def test_a_stale_review_is_refused(client_as, billing_admin, card, clock):
    client = client_as(billing_admin)
    token = review(client, "100", card).context["review_token"]
    clock.advance(minutes=31)
    response = client.post(URL, {"step": "confirm", "review": token})
    assert response.status_code == 400
    assert "more than 30 minutes old, so nothing was charged" in response.content.decode()
    assert not GatewayCharge.objects.exists()


def test_a_changed_mind_at_the_review_pays_nothing_and_back_keeps_the_figures(client_as, billing_admin, card, add_card):
    client = client_as(billing_admin)
    page = review(client, "150", card).content.decode()
    back = f'{URL}?amount=150&amp;payment_method={card.pk}'
    assert back in page
    form = client.get(back.replace("&amp;", "&")).content.decode()
    assert 'name="amount" id="id_amount" value="150"' in form
    assert f'<option value="{card.pk}" selected>' in form
    assert not GatewayCharge.objects.exists() and not Purchase.objects.exists()


def test_a_card_declined_at_confirm_pays_nothing_and_says_why(client_as, billing_admin, add_card):
    poor = add_card(INSUFFICIENT)  # passes the zero-amount check, fails a real charge
    client = client_as(billing_admin)
    token = review(client, "100", poor).context["review_token"]
    response = client.post(URL, {"step": "confirm", "review": token})
    assert response.status_code == 400
    assert "Your card has insufficient funds." in response.content.decode()
    assert not LedgerEntry.objects.exists() and not Purchase.objects.exists()


@pytest.mark.parametrize("amount", ["", "0", "12.5", "lots"])
def test_bad_amounts_never_reach_the_review(client_as, billing_admin, card, amount):
    response = client_as(billing_admin).post(URL, {"amount": amount, "payment_method": str(card.pk)})
    assert response.status_code == 400
    assert "Please enter a whole number" in response.content.decode()
    assert "Review your purchase" not in response.content.decode()
