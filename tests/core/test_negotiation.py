"""The call endpoints' JSON-first negotiation (core/negotiation.py) chooses what DRF's own would, for every Accept
header and format override, and short-cuts only the plain requests."""
import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.negotiation import JsonFirstNegotiation

ACCEPTS = [None, "", "*/*", "application/json", " application/json ", "application/json; indent=4", "text/html",
           "application/xml", "text/html, application/json;q=0.9", "application/*", "*/*;q=0.1", "image/png",
           "application/json, */*", "garbage;;;"]
QUERIES = ["", "format=json", "format=api", "format=xml", "x=1"]


def _choice(negotiation, accept, query, renderers):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().post(f"/api/v1/calls/authorize?{query}" if query else "/api/v1/calls/authorize",
                                                {}, format="json", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, [r() for r in renderers])
    except Http404:
        return "404"
    except exceptions.NotAcceptable:
        return "406"
    return type(renderer), str(media_type)


@pytest.mark.parametrize("renderers", [[JSONRenderer], [JSONRenderer, BrowsableAPIRenderer]])
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_json_first_negotiation_chooses_what_drf_chooses(accept, query, renderers):
    assert _choice(JsonFirstNegotiation(), accept, query, renderers) == _choice(DefaultContentNegotiation(), accept,
                                                                                query, renderers)


def test_plain_requests_skip_the_accept_parsing(monkeypatch):
    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", lambda *a, **k: pytest.fail("DRF asked"))
    for accept in (None, "*/*", "application/json"):
        assert _choice(JsonFirstNegotiation(), accept, "", [JSONRenderer]) == (JSONRenderer, "application/json")
