"""Bearer-token authentication for the API: the token names its tenant and acts for it within its scopes."""
from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from core import sql

from ..models import ApiToken, Tenant
from ..roles import Role, roles_allow
from ..services import hash_token

# last_used_at is written at most this often per token, to keep the hot path free of writes.
_TOUCH_EVERY_SECONDS = 300


_TOKEN_NAMES = [f.attname for f in ApiToken._meta.concrete_fields]
_TENANT_NAMES = [f.attname for f in Tenant._meta.concrete_fields]
_TOKEN = sql.Columns(*[(ApiToken, "t", f.name) for f in ApiToken._meta.concrete_fields],
                     *[(Tenant, "n", f.name) for f in Tenant._meta.concrete_fields])
# The live token and its tenant in one plain statement: every call of the telephony platform comes through here.
_TOKEN_SQL = sql.Statement(lambda: (
    f"SELECT {_TOKEN.sql} FROM {sql.table(ApiToken)} t JOIN {sql.table(Tenant)} n "
    f"ON n.{sql.column(Tenant, 'id')} = t.{sql.column(ApiToken, 'tenant')} "
    f"WHERE t.{sql.column(ApiToken, 'token_hash')} = %s AND t.{sql.column(ApiToken, 'revoked_at')} IS NULL"))


class ApiPrincipal:
    """The caller behind an API token: tenant-scoped, holding every capability of the app registration but allowed
    only the operations of its token's scopes (accounts/scopes.py; checked by HasCapability)."""

    is_authenticated = True
    is_anonymous = False
    roles = frozenset({Role.GLOBAL_ADMIN})

    def __init__(self, token):
        self.token = token
        self.scopes = frozenset(token.scopes or ())
        self.tenant = token.tenant
        self.tenant_id = token.tenant_id
        self.pk = None
        self.audit_label = f"API token '{token.name}'"

    @property
    def audit_user(self):
        return self.token.created_by

    def can(self, capability):
        return roles_allow(self.roles, capability)

    def __str__(self):
        return self.audit_label


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        raw = parts[1].decode("latin-1")
        found = _TOKEN_SQL.rows([hash_token(raw)])
        if not found:
            raise exceptions.AuthenticationFailed("The access token is invalid or has been revoked.")
        values = _TOKEN.convert(found[0])
        token = ApiToken.from_db(connection.alias, _TOKEN_NAMES, values[:len(_TOKEN_NAMES)])
        token.tenant = Tenant.from_db(connection.alias, _TENANT_NAMES, values[len(_TOKEN_NAMES):])
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("The access token has expired.")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > _TOUCH_EVERY_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request.tenant = token.tenant
        return ApiPrincipal(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer tokens in the OpenAPI schema (drf-spectacular)."""

    target_class = "accounts.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token created in Org settings (cct_...)."}
