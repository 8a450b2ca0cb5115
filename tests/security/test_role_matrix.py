"""Every page and endpoint of the URLconf, for every admin role, against the declared table of who may use it
(PRODUCT.md, "Admin roles"). A route added without a row here fails the test."""
import pytest

from accounts.roles import Role
from tests.security.urlconf import routes

G, B, L, U, R, T = (Role.GLOBAL_ADMIN, Role.BILLING_ADMIN, Role.LICENSE_ADMIN, Role.USER_ADMIN, Role.REPORTS_READER,
                    Role.TEAMS_COMMS_ADMIN)
EVERY_ROLE = {G, B, L, U, R, T}
PUBLIC = "public"  # sign-in, sign-out, the API schema and its docs
TOKEN_ONLY = "token"  # the telephony platform's endpoints take its bearer token alone

# route name -> the roles that may open it (pages: GET; API: every method of the view, unless given per method).
PAGES = {
    "accounts:home": EVERY_ROLE,
    "accounts:login": PUBLIC, "accounts:logout": PUBLIC,
    "accounts:settings": {G}, "accounts:api_token_revoke": {G}, "accounts:audit_log": {G},
    "licensing:active_users": {G, U, L}, "licensing:user_panel": {G, U, L},
    "licensing:manage_licenses": {G, L, U}, "licensing:user_licenses_save": {G, L, U},
    "licensing:add_user": {G, U}, "licensing:add_user_finish": {G, U}, "licensing:add_user_cancel": {G, U},
    "licensing:add_user_step": {G, U}, "licensing:user_edit": {G, U}, "licensing:user_sign_in": {G, U},
    "licensing:export_users": {G, U, L}, "licensing:user_reset_password": {G, U},
    "licensing:choose_columns": {G, U, L},
    # Delete user and Deleted users with Restore: User admins and Global admins (privileged admins: Global only).
    "licensing:user_delete": {G, U}, "licensing:deleted_users": {G, U}, "licensing:user_restore": {G, U},
    "licensing:products": {G, B}, "licensing:product_detail": {G, B}, "licensing:product_quantity": {G, B},
    "licensing:licenses": {G, L, U}, "licensing:license_detail": {G, L, U}, "licensing:license_assign": {G, L, U},
    "licensing:license_unassign": {G, L, U},
    "billing:credits": {G, B}, "billing:credits_transactions": {G, B}, "billing:credits_add_funds": {G, B},
    "billing:credits_auto_recharge": {G, B},
    "billing:payment_methods": {G, B}, "billing:payment_method_add": {G, B}, "billing:payment_method_replace": {G, B},
    "billing:payment_method_delete": {G, B}, "billing:payment_method_edit": {G, B},
    "rating:rates": {G, B}, "rating:rates_export": {G, B}, "rating:rates_export_version": {G, B},
    "rating:license_optimizer": {G, B}, "rating:license_optimizer_csv": {G, B}, "rating:license_what_if": {G, B},
    "invoices:bills": {G, B}, "invoices:detail": {G, B}, "invoices:pdf": {G, B},
    "notifications:settings": {G, B}, "notifications:recipient_add": {G, B}, "notifications:recipient_remove": {G, B},
    "notifications:preferences": {G, B}, "notifications:settings_edit": {G, B}, "notifications:test_email": {G, B},
    "notifications:email_log": {G, B}, "notifications:email_detail": {G, B},
    # Reports: readers and Teams Communications admins; the Credits dashboard and spend are not the Teams admin's.
    "reporting:pstn_usage": {G, R, T}, "reporting:export_start": {G, R, T}, "reporting:export_status": {G, R, T},
    "reporting:export_download": {G, R, T},
    "reporting:credits_dashboard": {G, B, R}, "reporting:spend": {G, B, R},
    "webhooks:endpoints": {G, B}, "webhooks:rotate": {G, B}, "webhooks:toggle": {G, B}, "webhooks:delete": {G, B},
    "webhooks:deliveries": {G, B}, "webhooks:replay": {G, B},
    "spend:calling_policy": {G, B}, "spend:destination_add": {G, B}, "spend:destination_default": {G, B},
    "spend:user_spend": {G},  # Active users (users.read) and billing figures (billing.read): only a Global admin has both
    # Operations: probes and metrics answer without a session (the metrics by their own token).
    "ops-healthz": PUBLIC, "ops-readyz": PUBLIC, "ops-metrics": PUBLIC,
}
API = {
    "api-schema": PUBLIC, "api-docs": PUBLIC,
    "api-subscriptions": {"GET": {G, B}, "POST": {G, B}},
    "api-credits": {G, B}, "api-credits-auto-recharge": {"GET": {G, B}, "PUT": {G, B}}, "api-credits-funds": {G, B},
    "api-credits-recharge-advice": {G, B}, "api-credits-transactions": {G, B},
    "api-payment-methods": {"GET": {G, B}, "POST": {G, B}}, "api-payment-method": {"GET": {G, B}, "DELETE": {G, B}},
    "api-rates": {G, B}, "api-license-optimizer": {G, B}, "api-license-what-if": {G, B},
    "api-invoices": {G, B}, "api-invoice": {G, B}, "api-invoice-pdf": {G, B},
    "api-reports-spend": {G, B, R},
    "api-calls-authorize": TOKEN_ONLY, "api-calls-import": TOKEN_ONLY, "api-calls-complete": TOKEN_ONLY,
    "graph-subscribed-skus": {G, B, L, U}, "graph-subscribed-sku": {G, B, L, U},
    "graph-users": {"GET": {G, U, L}, "POST": {G, U}}, "graph-users-count": {G, U, L},
    "graph-user": {"GET": {G, U, L}, "PATCH": {G, U}, "DELETE": {G, U}}, "graph-assign-license": {G, L, U},
    "graph-license-details": {G, U, L}, "graph-get-pstn-calls": {G, R, T},
    "api-calls-extend": TOKEN_ONLY,
    "api-webhooks": {G, B}, "api-webhook": {G, B}, "api-webhook-rotate-secret": {G, B},
    "api-webhook-deliveries": {G, B}, "api-webhook-replay": {G, B},
    "api-calling-policy": {"GET": {G, B}, "PUT": {G, B}, "PATCH": {G, B}, "POST": {G, B}, "DELETE": {G, B}},
    "api-destination-policies": {"GET": {G, B}, "POST": {G, B}},
    "api-destination-policy": {"GET": {G, B}, "PUT": {G, B}, "PATCH": {G, B}, "DELETE": {G, B}},
    "api-user-calling-policy": {"GET": {G, B}, "PUT": {G, B}, "PATCH": {G, B}, "DELETE": {G, B}},
}
PERSONAS = {"global_admin": G, "billing_admin": B, "license_admin": L, "user_admin": U, "reports_reader": R,
            "teams_comms_admin": T, "no_role_user": None}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _view_methods(view):
    return [m for m in METHODS if hasattr(view, m.lower())]


def test_every_route_is_in_the_table():
    declared = set(PAGES) | set(API)
    names = {route.name for route in routes()}
    assert names - declared == set(), "routes without a row in the role table"
    assert declared - names == set(), "rows of the role table without a route"


def _page_answer(client, route):
    response = client.get(route.url())
    return response.status_code


def _denied(status):
    return status == 403


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_pages_answer_each_role_as_declared(request, client_as, persona):
    role = PERSONAS[persona]
    client = client_as(request.getfixturevalue(persona))
    wrong = []
    for route in routes():
        if route.is_api or route.name not in PAGES or PAGES[route.name] == PUBLIC:
            continue
        status = _page_answer(client, route)
        allowed = role in PAGES[route.name]
        assert status < 500, (route.name, status)
        if allowed == _denied(status) or (status == 302 and "/signin/" in client.get(route.url()).get("Location", "")):
            wrong.append((route.name, status, "allowed" if allowed else "denied"))
    assert wrong == []


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_api_answers_each_role_as_declared(request, client_as, persona):
    role = PERSONAS[persona]
    client = client_as(request.getfixturevalue(persona))
    wrong = []
    for route in routes():
        if not route.is_api or API[route.name] == PUBLIC:
            continue
        for method in _view_methods(route.view):
            response = client.generic(method, route.url(), "{}", content_type="application/json")
            assert response.status_code < 500, (route.name, method, response.status_code)
            expected = API[route.name]
            if expected == TOKEN_ONLY:
                if response.status_code != 401:
                    wrong.append((route.name, method, response.status_code, "token only"))
                continue
            roles = expected[method] if isinstance(expected, dict) else expected
            allowed = role in roles
            if allowed == (response.status_code == 403):
                wrong.append((route.name, method, response.status_code, "allowed" if allowed else "denied"))
            if response.status_code == 403:
                assert response.json()["error"]["code"] == "Authorization_RequestDenied"
    assert wrong == []
