"""The telephony platform's per-call endpoints, served without the website's middleware.

Every call the platform carries makes two requests (/api/v1/calls/authorize, then .../complete), authenticated
by the tenant's bearer token. Sessions, CSRF, messages, htmx, the signed-in tenant and login lockouts serve
people in browsers; skipping them saves about half of a small request's time. The same URLconf and views answer.
"""
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

PREFIX = "/api/v1/calls/"
MIDDLEWARE = ["ops.middleware.RequestContextMiddleware", "django.middleware.security.SecurityMiddleware"]


class TokenApiHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        site_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site_middleware


class TokenApiDispatch:
    def __init__(self, site):
        self.site = site
        self.token_api = TokenApiHandler()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return self.token_api(environ, start_response)
        return self.site(environ, start_response)
