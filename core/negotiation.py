"""Content negotiation of the telephony platform's call endpoints (billing/rating/api_calls.py), which answer JSON only.

DRF's negotiation parses the Accept header into media types and matches each against each renderer: about a
twentieth of a call request's Python. A request that sends no Accept header, `*/*` or `application/json`, and
no `?format=`, gets the JSON renderer straight away, exactly what DRF would choose for it; any other request
(a media type with parameters, a list, a format override, something unacceptable: 406) is DRF's to decide.

`json_answer` answers such a plain request with the JSON renderer's own bytes in a plain HttpResponse, instead of
a Response that Django renders later through its template-response machinery; any other request gets DRF's
Response. tests/core/test_negotiation.py compares the two answers, bytes and headers.
"""
from django.http import HttpResponse
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

_PLAIN_ACCEPTS = frozenset({None, "*/*", "application/json"})  # None: no Accept header (an empty one is 406)


class JsonFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (len(renderers) == 1 and renderers[0].media_type == "application/json" and format_suffix is None
                and not request.META.get("QUERY_STRING") and request.META.get("HTTP_ACCEPT") in _PLAIN_ACCEPTS):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


def json_answer(request, data):
    """What `Response(data)` answers to `request` (a DRF request its view negotiated), rendered now when the
    negotiation chose the JSON renderer for plain `application/json` (no media type parameters: no indent)."""
    renderer = getattr(request, "accepted_renderer", None)
    if type(renderer) is JSONRenderer and request.accepted_media_type == renderer.media_type:
        answer = HttpResponse(renderer.render(data, renderer.media_type), content_type=renderer.media_type)
        answer.data = data  # type: ignore[attr-defined]  # as a Response carries it: ops.metrics reads it
        return answer
    return Response(data)
