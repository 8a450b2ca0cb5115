"""Content negotiation of the telephony platform's call endpoints (billing/rating/api_calls.py), which answer JSON only.

DRF's negotiation parses the Accept header into media types and matches each against each renderer: about a
twentieth of a call request's Python. A request that sends no Accept header, `*/*` or `application/json`, and
no `?format=`, gets the JSON renderer straight away, exactly what DRF would choose for it; any other request
(a media type with parameters, a list, a format override, something unacceptable: 406) is DRF's to decide.
"""
from rest_framework.negotiation import DefaultContentNegotiation

_PLAIN_ACCEPTS = frozenset({None, "*/*", "application/json"})  # None: no Accept header (an empty one is 406)


class JsonFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (len(renderers) == 1 and renderers[0].media_type == "application/json" and format_suffix is None
                and not request.META.get("QUERY_STRING") and request.META.get("HTTP_ACCEPT") in _PLAIN_ACCEPTS):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
