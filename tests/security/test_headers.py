"""Headers: a Content-Security-Policy without inline script on every page, `Cache-Control: no-store` on signed-in
pages and API answers, and the call endpoints' own WSGI handler checking the Host header (issue 15)."""
import io
import json
import re
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts.scopes import Scope
from accounts.services import api_token_create
from config.wsgi import application

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("path", ["/signin/", "/", "/users/active/", "/billing/credits/", "/reports/pstn-usage/",
                                  "/no-such-page/"])
def test_every_page_has_a_csp_without_inline_script(client_as, global_admin, path):
    response = client_as(global_admin).get(path)
    policy = _policy(response)
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_no_template_carries_inline_script():
    inline = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text) or "javascript:" in text:
            inline.append(str(template.relative_to(TEMPLATES)))
    assert inline == []


def test_signed_in_pages_and_api_answers_are_not_stored(client, client_as, global_admin, api_client_for, tenant):
    page = client_as(global_admin).get("/billing/credits/")
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    api = api_client_for(tenant, global_admin).get("/api/v1/credits")
    assert api.status_code == 200 and "no-store" in api["Cache-Control"]
    assert "no-store" in client.get("/api/v1/credits").get("Cache-Control", "")  # a 401 too


@pytest.fixture
def keep_test_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _wsgi(path, host, token, body):
    data = json.dumps(body).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": host, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
               "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
               "HTTP_AUTHORIZATION": f"Bearer {token}"}
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    answer["body"] = b"".join(application(environ, start_response))
    return answer


def test_the_call_endpoints_handler_checks_the_host_header(tenant, keep_test_connection):
    token = api_token_create(tenant=tenant, name="platform", actor=None, scopes=[Scope.CALLS])[1]
    refused = _wsgi("/api/v1/calls/import", "evil.example", token, {"value": []})
    assert refused["status"] == 400
    answered = _wsgi("/api/v1/calls/import", "testserver", token, {"value": []})
    assert answered["status"] == 200, answered["body"]
    assert "no-store" in answered["headers"]["Cache-Control"]
    assert "Content-Security-Policy" in answered["headers"]
