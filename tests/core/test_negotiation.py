"""The call endpoints' JSON-first negotiation (core/negotiation.py) chooses what DRF's own would, for every Accept
header and format override, and short-cuts only the plain requests; json_answer answers what DRF's Response would."""
import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.negotiation import JsonFirstNegotiation, json_answer

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


class _Answer(APIView):
    """Answers like the call endpoints: JSON-first negotiation, the JSON renderer only."""

    content_negotiation_class = JsonFirstNegotiation
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    fast = True

    def post(self, request):
        data = request.data["data"]
        return json_answer(request, data) if self.fast else Response(data)


PAYLOADS = [{"callId": "c-1", "decision": "allowed", "reason": None, "maxDurationSeconds": 7200},
            {"charge": "1.20", "names": ["Zoë", "東京", "line\u2028separator\u2029", "quote\"back\\slash"], "n": 0},
            [], {}, {"nested": {"deep": [1, 2.5, True, None]}}]


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "format=json", "x=1"])
def test_the_answer_rendered_at_once_is_drfs_answer(accept, query):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    path = f"/api/v1/calls/authorize?{query}" if query else "/api/v1/calls/authorize"
    for data in PAYLOADS:
        answers = []
        for fast in (True, False):
            request = APIRequestFactory().post(path, {"data": data}, format="json", **headers)
            response = _Answer.as_view(fast=fast)(request)
            if fast and accept in (None, "*/*", "application/json") and not query:
                assert not isinstance(response, Response)  # rendered at once: the path under test was taken
            if hasattr(response, "render"):
                response.render()
            answers.append((response.status_code, response.content, response.get("Content-Type"),
                            response.get("Allow"), response.get("Vary"), response.data))
        assert answers[0] == answers[1], (accept, query, data)
