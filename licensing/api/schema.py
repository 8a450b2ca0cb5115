"""OpenAPI description of the bearer tokens the API accepts, so /api/docs/ offers "Authorize" for them.

It describes accounts' BearerTokenAuthentication; it lives here until accounts registers its own.
"""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "An API token from Org settings or `manage.py create_api_token` (cct_…)."}
