"""config.wsgi: /api/v1/calls/ is served by the call endpoints' own handler, without the website's middleware."""
import io
import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts.services import api_token_create
from billing.rating.models import CallRecord
from config.token_api import TokenApiDispatch, TokenApiHandler
from config.wsgi import application
from tests.rating.factories import UK_MOBILE, add_credits, make_caller

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_test_connection():
    """A real WSGI request closes the database connection at its end; the test's transaction needs it open
    (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def wsgi(path, body=None, token=None, method="POST", cookie=None):
    data = json.dumps(body).encode() if body is not None else b""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
               "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json"}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    answer = {}

    def start_response(status, headers):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    answer["body"] = b"".join(application(environ, start_response))
    return answer


@pytest.fixture
def token(tenant, calling_deck):
    add_credits(tenant, "10.00")
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")
    return api_token_create(tenant=tenant, name="platform", actor=None, scopes=["calls"])[1]


def test_the_served_application_dispatches_call_endpoints_to_their_own_handler():
    assert isinstance(application, TokenApiDispatch)
    assert isinstance(application.token_api, TokenApiHandler)


def test_a_call_is_authorized_and_completed_through_the_wsgi_application(token, now, tenant):
    start = now.isoformat().replace("+00:00", "Z")
    authorized = wsgi("/api/v1/calls/authorize", {"callId": "w-1", "callType": "user_out",
                                                  "userPrincipalName": "ada@contoso.test", "calleeNumber": UK_MOBILE,
                                                  "startDateTime": start}, token)
    assert authorized["status"] == 200, authorized["body"]
    assert json.loads(authorized["body"])["decision"] == "allowed"
    assert authorized["headers"]["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still answers
    assert "Set-Cookie" not in authorized["headers"]
    assert "X-Frame-Options" not in authorized["headers"]  # the website's middleware did not run

    completed = wsgi("/api/v1/calls/w-1/complete", {"durationSeconds": 61}, token)
    assert completed["status"] == 200, completed["body"]
    assert json.loads(completed["body"])["charge"] == "0.45"
    assert CallRecord.objects.get(tenant=tenant, call_id="w-1").duration_seconds == 61


def test_call_endpoints_refuse_a_signed_in_browser_session_without_a_token(token, client_as, billing_admin):
    client = client_as(billing_admin)
    assert client.get("/").status_code == 200  # the session works on the website
    session_cookie = f"sessionid={client.cookies['sessionid'].value}"
    answer = wsgi("/api/v1/calls/authorize", {"callId": "w-2"}, cookie=session_cookie)
    assert answer["status"] == 401
    assert json.loads(answer["body"])["error"]["code"]


def test_the_website_keeps_its_middleware():
    page = wsgi("/signin/", method="GET")
    assert page["status"] == 200
    assert page["headers"]["X-Frame-Options"] == "DENY"
    assert "csrftoken" in page["headers"].get("Set-Cookie", "")
