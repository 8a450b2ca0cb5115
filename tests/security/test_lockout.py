"""Sign-in lockout behind a proxy: the trusted-proxy setting decides the client's address; failures are limited per
address and per account (issue 15)."""
import pytest
from django.urls import reverse

from tests.factories import UserFactory

PROXY = "10.0.0.5"  # every request reaches the application from the load balancer
SIGN_IN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _sign_in(client, upn, password, address, forwarded_by_client=""):
    chain = f"{forwarded_by_client}, {address}" if forwarded_by_client else address
    return client.post(SIGN_IN, {"username": upn, "password": password}, REMOTE_ADDR=PROXY,
                       HTTP_X_FORWARDED_FOR=chain)


def _signed_in(response, client):
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_one_client_address_locked_out_does_not_lock_out_another_behind_the_same_proxy(
        client_factory, global_admin, billing_admin, password, settings):
    attacker, colleague = client_factory(), client_factory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, global_admin.upn, "wrong", "203.0.113.7")
    assert _sign_in(attacker, global_admin.upn, password, "203.0.113.7").status_code == 429

    assert _signed_in(_sign_in(colleague, billing_admin.upn, password, "198.51.100.20"), colleague)


def test_one_address_cannot_try_every_account(client_factory, tenant, password, settings):
    people = [UserFactory(tenant=tenant, upn=f"p{n}@contoso.test", roles=["billing_admin"]) for n in range(8)]
    attacker = client_factory()
    answers = [_sign_in(attacker, person.upn, "wrong", "203.0.113.7").status_code for person in people]
    assert answers[:settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_FAILURE_LIMIT:]) == {429}
    # Those people are not locked out themselves: each had one failure.
    colleague = client_factory()
    assert _signed_in(_sign_in(colleague, people[-1].upn, password, "198.51.100.20"), colleague)


def test_one_account_cannot_be_guessed_from_many_addresses_without_limit(client_factory, global_admin, password,
                                                                         settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client_factory(), global_admin.upn, "wrong", f"203.0.113.{n + 1}")
    assert _sign_in(client_factory(), global_admin.upn, password, "203.0.113.200").status_code == 429


def test_an_address_the_client_writes_into_x_forwarded_for_is_ignored(client_factory, global_admin, billing_admin,
                                                                      password, settings):
    attacker = client_factory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker claims a new address each time; the proxy appends the real one, which is what counts.
        _sign_in(attacker, global_admin.upn if n % 2 else billing_admin.upn, "wrong", "203.0.113.7",
                 forwarded_by_client=f"192.0.2.{n + 1}")
    assert _sign_in(attacker, "someone@contoso.test", "wrong", "203.0.113.7",
                    forwarded_by_client="192.0.2.99").status_code == 429


def test_without_a_trusted_proxy_the_forwarded_header_is_not_believed(client_factory, global_admin, password,
                                                                       settings):
    from core.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    request = type("Request", (), {"META": {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}})()
    assert client_ip(request) == PROXY
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    assert client_ip(request) == PROXY


@pytest.fixture
def client_factory(db):
    from django.test import Client

    return Client
