"""The website's doors before any view: input no view could store (NUL bytes), the Host header, security headers.

Input a view must judge itself (lengths, numbers, dates) is cleaned by the view with core/validation.py; a NUL byte
is never meaningful in a query string or a form field, and PostgreSQL refuses it in text, so it is refused here with a
400 naming the parameter: an API answers a Graph-style error; a page asked for with such a query string (a search box,
a filter) is shown without the parameter, its error next to the field and in the page's error summary.
"""
from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .validation import NUL_MESSAGE, query_nul_field

_API_PREFIXES = ("/api/", "/v1.0/")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_api(request):
    return request.path.startswith(_API_PREFIXES)


def bad_input_response(request, field, message):
    """400: a Graph-style error under /api/ and /v1.0/, the error page naming the field elsewhere."""
    if _is_api(request):
        return JsonResponse({"error": {"code": "Request_BadRequest", "message": f"{field}: {message}"}}, status=400)
    return render(request, "400.html", {"field": field, "message": message}, status=400)


def _nul_fields(params):
    return [name for name in params if "\x00" in name
            or any(isinstance(item, str) and "\x00" in item for item in params.getlist(name))]


class RejectNulMiddleware:
    """400 for a NUL byte (%00, \\u0000) in the path, a query-string parameter or a form field, naming it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = None
        if "\x00" in request.path:
            field = "path"
        elif request.method in ("GET", "HEAD") and not _is_api(request) and _nul_fields(request.GET):
            return self._page_without(request, _nul_fields(request.GET))
        else:
            field = query_nul_field(request.GET)
            if field is None and request.method == "POST" and request.content_type in _FORM_TYPES:
                field = query_nul_field(request.POST)
        if field is not None:
            return bad_input_response(request, field, "must not contain NUL (\\u0000) characters.")
        return self.get_response(request)

    def _page_without(self, request, names):
        """The page for the query string without its NUL-carrying parameters, as a 400 that names each one
        (`request.input_errors`, which the search boxes and base.html's error summary show)."""
        params = QueryDict(mutable=True)
        for name, values in request.GET.lists():
            if name not in names:
                params.setlist(name, values)
        request.GET = params
        request.META["QUERY_STRING"] = params.urlencode()
        request.input_errors = {name.replace("\x00", "\\0"): NUL_MESSAGE for name in names}
        response = self.get_response(request)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            response.status_code = 400
        return response


class HostCheckMiddleware:
    """Validates the Host header against ALLOWED_HOSTS (DisallowedHost: 400), as the website's CommonMiddleware does;
    for config/token_api.py, whose handler runs without it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.get_host()
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every page (scripts only from our own files) and `Cache-Control: no-store` on
    signed-in pages and every API answer, so a shared computer's cache keeps no one's billing data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if request.path.startswith(settings.CSP_RELAXED_PATHS):
            policy = policy.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        response.headers.setdefault("Content-Security-Policy", policy)
        user = getattr(request, "user", None)
        if _is_api(request) or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True)
        return response
