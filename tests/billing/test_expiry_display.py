"""Expiry in plain sight: the Communications Credits page and Home say what expires next and how much of it the
current burn won't use; expired purchases show what they forfeited."""
from decimal import Decimal

from django.urls import reverse

from billing.credits.services import credits_expire_lots

from .test_forecast import ledger  # noqa: F401 - the hand-worked ledger: A $160 (unused $85), B $300, $5 a day


def test_the_credits_page_shows_what_expires_next_and_what_wont_be_used(client_as, billing_admin, ledger):  # noqa: F811
    page = client_as(billing_admin).get(reverse("billing:credits")).content.decode()
    assert "<strong>$160.00 expires on Jul 1, 2026</strong> (bought Jul 1, 2025)." in page
    assert "At your current burn of $5.00 a day, $85.00 of it won't be used by then and will be forfeited." in page
    assert '<strong data-testid="unused">$85.00</strong>' in page


def test_an_expired_purchase_shows_what_it_forfeited(client_as, billing_admin, tenant, fund, clock):
    clock.at(2025, 6, 1, 12)
    fund(100)
    clock.at(2026, 6, 17, 9, 30)
    credits_expire_lots(tenant=tenant)
    page = client_as(billing_admin).get(reverse("billing:credits")).content.decode()
    assert 'data-testid="forfeited">Forfeited $100.00</div>' in page
    assert ">Expired</span>" in page


def test_home_has_a_card_for_what_expires_next(client_as, billing_admin, ledger):  # noqa: F811
    response = client_as(billing_admin).get(reverse("accounts:home"))
    page = response.content.decode()
    assert "Funds expiring next" in page
    assert "$160.00" in page and "Jul 1, 2026" in page
    assert "At your current burn ($5.00 a day), $85.00 of it won&#x27;t be used." in page


def test_no_funds_no_expiry_card(client_as, billing_admin):
    assert "Funds expiring next" not in client_as(billing_admin).get(reverse("accounts:home")).content.decode()


def test_the_forfeit_is_the_ledgers_expiry(tenant, fund, clock):
    from billing.credits.selectors import credits_lots

    clock.at(2025, 6, 1, 12)
    fund(100)
    clock.at(2026, 6, 17, 9, 30)
    [entry] = credits_expire_lots(tenant=tenant)
    assert credits_lots(tenant=tenant).get().forfeited == -entry.amount == Decimal("100.00")
