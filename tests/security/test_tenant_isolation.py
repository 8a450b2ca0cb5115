"""Tenant isolation, generated from the URLconf: every page and endpoint that names an object by id answers 404 to a
Global admin of another tenant (and to its Global-admin-scoped token), for every method, and changes nothing."""
import datetime

import pytest

from accounts.scopes import ALL_SCOPES
from accounts.services import api_token_create
from billing.rating.models import CallAuthorization
from billing.rating.services import call_authorize
from billing.spend.services import destination_policy_save
from billing.webhooks.services import webhook_emit, webhook_endpoint_create
from reporting.models import ExportJob
from tests.factories import UserFactory
from tests.invoices.factories import card_on_file, purchase
from tests.licensing.factories import SubscriptionFactory, ensure_catalogue, product
from tests.notifications.factories import EmailLogFactory, ExtraRecipientFactory
from tests.rating.factories import CALLING_DECK, UK_MOBILE, add_credits, make_caller
from tests.security.test_role_matrix import METHODS
from tests.security.urlconf import routes

pytestmark = pytest.mark.django_db
# Routes whose argument is no object of a tenant (a wizard step) are left out by name.
NOT_AN_OBJECT = {"licensing:add_user_step"}


@pytest.fixture
def theirs(other_tenant, other_tenant_admin, import_deck, day_ahead, settings):
    """One object of every kind a route names, all belonging to the other tenant: route argument -> value."""
    ensure_catalogue()
    person = UserFactory(tenant=other_tenant, upn="victim@fabrikam.test", display_name="Victim")
    subscription = SubscriptionFactory(tenant=other_tenant, product=product("MCOPSTN1"))
    token, _ = api_token_create(tenant=other_tenant, name="theirs", actor=other_tenant_admin, scopes=ALL_SCOPES)
    method = card_on_file(other_tenant, other_tenant_admin)
    invoice = purchase(other_tenant, "25.00", actor=other_tenant_admin)
    deck = import_deck(*CALLING_DECK, effective_from=day_ahead(1), tenant=other_tenant, name="Their deck")
    email = EmailLogFactory(notification__tenant=other_tenant)
    recipient = ExtraRecipientFactory(tenant=other_tenant)
    job = ExportJob.objects.create(tenant=other_tenant, requested_by_label="victim", parameters={}, format="csv")
    caller = make_caller(other_tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="caller@fabrikam.test",
                         number="+14255550177")
    add_credits(other_tenant, "10.00")
    call_authorize(tenant=other_tenant, call_id="their-call", call_type="user_out", callee_number=UK_MOBILE,
                   start_at=datetime.datetime.now(datetime.UTC), user_principal_name=caller.upn)
    authorization = CallAuthorization.objects.get(tenant=other_tenant, call_id="their-call")
    settings.WEBHOOK_ALLOW_LOCAL = True  # a loopback receiver: nothing is sent in these tests
    endpoint, _ = _endpoint(other_tenant, other_tenant_admin)
    event = webhook_emit(tenant=other_tenant, type="balance.low", data={"balance": "4.25"}, source_key="isolation")
    policy = destination_policy_save(tenant=other_tenant, actor=other_tenant_admin, name="Their policy",
                                     blocked_countries=["KP"])
    return {"user_id": person.pk, "key": person.pk, "endpoint_id": endpoint.pk, "delivery_id": event.deliveries.get().pk,
            "policy_id": policy.pk, "subscription_id": subscription.pk, "token_id": token.pk,
            "method_id": method.pk, "invoice_id": invoice.pk, "version_id": deck.pk, "email_id": email.pk,
            "recipient_id": recipient.pk, "job_id": job.pk, "call_id": authorization.call_id}


def _endpoint(tenant, actor):
    created = webhook_endpoint_create(tenant=tenant, url="http://127.0.0.1:9/hook", events=["balance.low"],
                                      actor=actor)
    return created if isinstance(created, tuple) else (created, None)


def _object_routes():
    for route in routes():
        if route.name in NOT_AN_OBJECT:
            continue
        if route.converters or route.name == "licensing:product_quantity":
            yield route


def test_every_route_that_names_an_object_is_checked(theirs):
    arguments = {argument for route in _object_routes() for argument, _ in route.converters}
    assert arguments - set(theirs) == set()


def test_another_tenants_objects_are_404_on_every_page(client_as, global_admin, theirs):
    client = client_as(global_admin)
    leaks = []
    for route in _object_routes():
        if route.is_api:
            continue
        url = route.url(**theirs)
        for method in ("GET", "POST"):
            status = client.generic(method, url, "").status_code
            if status not in (404, 405):
                leaks.append((route.name, method, status))
    assert leaks == []


def test_another_tenants_objects_are_404_on_every_endpoint(api_client_for, tenant, global_admin, theirs):
    api = api_client_for(tenant, global_admin)
    leaks = []
    for route in _object_routes():
        if not route.is_api:
            continue
        url = route.url(**theirs)
        for method in METHODS:
            if hasattr(route.view, method.lower()):
                status = api.generic(method, url, "{}", content_type="application/json").status_code
                if status != 404:
                    leaks.append((route.name, method, status))
    assert leaks == []


def test_nothing_of_theirs_changed(client_as, api_client_for, tenant, global_admin, theirs, other_tenant):
    from accounts.models import ApiToken, User
    from billing.credits.models import PaymentMethod

    test_another_tenants_objects_are_404_on_every_page(client_as, global_admin, theirs)
    test_another_tenants_objects_are_404_on_every_endpoint(api_client_for, tenant, global_admin, theirs)
    assert User.objects.get(pk=theirs["user_id"]).sign_in_allowed
    assert ApiToken.objects.get(pk=theirs["token_id"]).revoked_at is None
    assert PaymentMethod.objects.filter(pk=theirs["method_id"], tenant=other_tenant).exists()


def test_the_objects_are_real_their_own_admin_opens_them(client_as, other_tenant_admin, theirs):
    client = client_as(other_tenant_admin)
    by_name = {route.name: route for route in routes()}
    for name in ("licensing:user_panel", "invoices:detail", "licensing:product_detail", "notifications:email_detail"):
        assert client.get(by_name[name].url(**theirs)).status_code == 200, name
